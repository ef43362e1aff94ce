// Process-wide settings for programs that serve verifications: the server,
// the CLI and the Python module call PrepareProcess() once at start.
#ifndef AUTHGATE_PROCESS_SETUP_H_
#define AUTHGATE_PROCESS_SETUP_H_

namespace authgate {

// Debian builds abseil without NDEBUG, so by default every absl::Mutex lock
// runs the debug-only deadlock detector (a lookup in one global graph). It
// costs a cached verification about a quarter of its time and serialises
// threads on the graph's lock; programs turn it off, tests keep it on.
void PrepareProcess();

}  // namespace authgate

#endif  // AUTHGATE_PROCESS_SETUP_H_
