#include "grpc_service/process_metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace authgate::service {
namespace {

std::optional<std::string> ReadProcFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

prometheus::MetricFamily Gauge(std::string name, std::string help, double value,
                               bool counter = false) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type =
      counter ? prometheus::MetricType::Counter : prometheus::MetricType::Gauge;
  prometheus::ClientMetric sample;
  if (counter) {
    sample.counter.value = value;
  } else {
    sample.gauge.value = value;
  }
  family.metric.push_back(std::move(sample));
  return family;
}

// The fields of /proc/self/stat after the command name, which may hold
// spaces and parentheses: split after its last ')'. fields[0] is field 3
// (state) of proc(5).
std::optional<std::vector<std::string>> StatFields() {
  std::optional<std::string> stat = ReadProcFile("/proc/self/stat");
  if (!stat.has_value()) return std::nullopt;
  size_t close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  return absl::StrSplit(absl::string_view(*stat).substr(close + 1), ' ',
                        absl::SkipEmpty());
}

// "btime" of /proc/stat: boot time, Unix seconds.
std::optional<double> BootTime() {
  std::optional<std::string> stat = ReadProcFile("/proc/stat");
  if (!stat.has_value()) return std::nullopt;
  for (absl::string_view line : absl::StrSplit(*stat, '\n')) {
    if (absl::ConsumePrefix(&line, "btime ")) {
      double value = 0;
      if (absl::SimpleAtod(line, &value)) return value;
    }
  }
  return std::nullopt;
}

std::optional<double> ResidentBytes() {
  std::optional<std::string> status = ReadProcFile("/proc/self/status");
  if (!status.has_value()) return std::nullopt;
  for (absl::string_view line : absl::StrSplit(*status, '\n')) {
    if (!absl::ConsumePrefix(&line, "VmRSS:")) continue;
    line = absl::StripSuffix(absl::StripAsciiWhitespace(line), "kB");
    double kib = 0;
    if (absl::SimpleAtod(absl::StripAsciiWhitespace(line), &kib)) {
      return kib * 1024;
    }
  }
  return std::nullopt;
}

std::optional<double> OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the descriptor opendir holds
}

}  // namespace

std::vector<prometheus::MetricFamily> CollectProcessMetrics(
    absl::string_view version) {
  std::vector<prometheus::MetricFamily> out;
  prometheus::MetricFamily build =
      Gauge("authgate_build_info", "Always 1; the version as a label", 1);
  build.metric.front().label = {{"version", std::string(version)}};
  out.push_back(std::move(build));

  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::optional<std::vector<std::string>> fields = StatFields();
  // proc(5): utime 14, stime 15, starttime 22 (in clock ticks); fields[0]
  // is field 3.
  if (fields.has_value() && fields->size() > 19 && ticks > 0) {
    double utime = 0, stime = 0, start = 0;
    if (absl::SimpleAtod((*fields)[11], &utime) &&
        absl::SimpleAtod((*fields)[12], &stime)) {
      out.push_back(Gauge("process_cpu_seconds_total",
                          "User and system CPU time spent in seconds",
                          (utime + stime) / ticks, /*counter=*/true));
    }
    std::optional<double> boot = BootTime();
    if (boot.has_value() && absl::SimpleAtod((*fields)[19], &start)) {
      out.push_back(Gauge("process_start_time_seconds",
                          "Start time of the process since unix epoch in "
                          "seconds",
                          *boot + start / ticks));
    }
  }
  if (std::optional<double> rss = ResidentBytes()) {
    out.push_back(Gauge("process_resident_memory_bytes",
                        "Resident memory size in bytes", *rss));
  }
  if (std::optional<double> fds = OpenFds()) {
    out.push_back(
        Gauge("process_open_fds", "Number of open file descriptors", *fds));
  }
  return out;
}

}  // namespace authgate::service
