// StaticKeySource: a KeySource over a JWKS given as a string or a file, whose
// set can be replaced atomically while other threads verify.
//
//   AUTHGATE_ASSIGN_OR_RETURN(auto source,
//                             StaticKeySource::FromJwksFile("jwks.json"));
//   source->Update(new_set);   // readers see the old or the new set, whole
#ifndef AUTHGATE_STATIC_KEY_SOURCE_H_
#define AUTHGATE_STATIC_KEY_SOURCE_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "authgate/key_source.h"

namespace authgate {

class StaticKeySource final : public KeySource {
 public:
  explicit StaticKeySource(std::shared_ptr<const JwkSet> keys);

  // Errors as JwkSet::Parse / JwkSet::ParseFile.
  static absl::StatusOr<std::shared_ptr<StaticKeySource>> FromJwksJson(
      absl::string_view json);
  static absl::StatusOr<std::shared_ptr<StaticKeySource>> FromJwksFile(
      const std::string& path);

  // Replaces the set; tokens signed by keys that left it stop verifying.
  void Update(std::shared_ptr<const JwkSet> keys);

  std::shared_ptr<const JwkSet> Current() const override;
  uint64_t generation() const override;
  // Never fetches: returns the current set.
  absl::StatusOr<std::shared_ptr<const JwkSet>> OnUnknownKeyId(
      absl::string_view key_id) override;

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const JwkSet> keys_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{1};
};

}  // namespace authgate

#endif  // AUTHGATE_STATIC_KEY_SOURCE_H_
