// ArenaMessageAllocator: puts a unary RPC's request and response on one
// protobuf arena whose first block lives inside the per-call holder, so a
// typical ValidateToken or Check call (request, response, claims Struct)
// costs one heap allocation instead of dozens of small ones.
//
// Thread-safe (stateless). Register once per hot method; it must outlive
// the server.
//
//   static ArenaMessageAllocator<ValidateTokenRequest, ValidateTokenResponse>
//       allocator;
//   service.SetMessageAllocatorFor_ValidateToken(&allocator);
#ifndef AUTHGATE_GRPC_SERVICE_ARENA_MESSAGE_ALLOCATOR_H_
#define AUTHGATE_GRPC_SERVICE_ARENA_MESSAGE_ALLOCATOR_H_

#include <cstddef>

#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"

namespace authgate::service {

template <typename Request, typename Response>
class ArenaMessageAllocator final
    : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    return new Holder();
  }

 private:
  // A Cognito access token request plus a response with every claim fits in
  // a few kilobytes; larger calls grow the arena on the heap as usual.
  static constexpr size_t kInitialBlockBytes = 8 * 1024;

  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() : arena_(Options(initial_block_)) {
      this->set_request(
          google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(
          google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions Options(char* block) {
      google::protobuf::ArenaOptions options;
      options.initial_block = block;
      options.initial_block_size = kInitialBlockBytes;
      return options;
    }
    // Declared before arena_: it must exist when the arena is built.
    alignas(std::max_align_t) char initial_block_[kInitialBlockBytes];
    google::protobuf::Arena arena_;
  };
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_ARENA_MESSAGE_ALLOCATOR_H_
