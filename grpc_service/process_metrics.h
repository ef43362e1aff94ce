// CollectProcessMetrics: what the server reports about itself at scrape
// time, under the standard Prometheus names (prometheus-cpp has no process
// collector):
//
//   authgate_build_info{version}      gauge, always 1
//   process_cpu_seconds_total         counter, user + system (/proc/self/stat)
//   process_resident_memory_bytes     gauge (/proc/self/status VmRSS)
//   process_open_fds                  gauge (entries of /proc/self/fd)
//   process_start_time_seconds        gauge, Unix time (stat starttime + btime)
//
// A /proc figure that cannot be read is left out, not reported as 0.
// Thread-safe (reads /proc on each call).
#ifndef AUTHGATE_GRPC_SERVICE_PROCESS_METRICS_H_
#define AUTHGATE_GRPC_SERVICE_PROCESS_METRICS_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "prometheus/metric_family.h"

namespace authgate::service {

std::vector<prometheus::MetricFamily> CollectProcessMetrics(
    absl::string_view version);

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_PROCESS_METRICS_H_
