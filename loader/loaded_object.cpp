#include "loader/loaded_object.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <algorithm>
#include <chrono>

#include "loader/endpoint_config.h"
#include "loader/libbpf_log.h"
#include "loader/object_layout.h"

namespace ciliumc::loader {

namespace {

std::unique_lock<std::mutex> lockIfGiven(std::mutex* lock) {
  return lock ? std::unique_lock<std::mutex>(*lock) : std::unique_lock<std::mutex>();
}

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

Error withLibbpfLog(std::string message, const std::string& log) {
  if (!log.empty()) message += "\nlibbpf said:\n" + log;
  return Error{std::move(message)};
}

// A failed bpf_object__load: a verifier rejection when libbpf printed a program's log.
Error loadFailure(const LoadRequest& request, int err, const std::string& log) {
  std::vector<std::string> failed = failedPrograms(log);
  std::string program = failed.empty() ? std::string() : failed.front();
  std::string verifierLog = extractVerifierLog(log, program);
  if (program.empty() || verifierLog.empty())
    return withLibbpfLog(errnoError("loading BPF object '" + request.objectName + "'", err).message, log);
  VerifierRejection rejection = analyseVerifierLog(program, verifierLog);
  std::string message = renderRejection(rejection, request.context);
  if (request.rejection) *request.rejection = std::move(rejection);
  return Error{std::move(message)};
}

}  // namespace

void LoadedObject::Close::operator()(bpf_object* object) const { bpf_object__close(object); }

LoadedObject::LoadedObject(LoadedObject&&) noexcept = default;
LoadedObject& LoadedObject::operator=(LoadedObject&&) noexcept = default;
LoadedObject::~LoadedObject() = default;

bpf_program* LoadedObject::program(Direction direction) const {
  bpf_program* exact = bpf_object__find_program_by_name(object_.get(), std::string(programNameOf(direction)).c_str());
  if (exact) return exact;
  bpf_program* program = nullptr;
  bpf_object__for_each_program(program, object_.get()) {
    if (programEnforces(bpf_program__name(program), direction)) return program;
  }
  return nullptr;
}

int LoadedObject::programFd(Direction direction) const {
  bpf_program* found = program(direction);
  return found ? bpf_program__fd(found) : -1;
}

int LoadedObject::mapFd(std::string_view name) const {
  bpf_map* map = bpf_object__find_map_by_name(object_.get(), std::string(name).c_str());
  return map ? bpf_map__fd(map) : -1;
}

Expected<ShapeMapFds> shapeMapsOf(const LoadedObject& object) {
  ShapeMapFds fds{object.mapFd(kClassMap), object.mapFd(kVerdictMap), object.mapFd(kCidrMap), object.mapFd(kColumnMap), {}};
  if (fds.columnMap >= 0) {
    auto starts = rangeStartsIn(object.object());
    if (!starts) return starts.error();
    fds.rangeStarts = std::move(*starts);
  }
  return fds;
}

std::vector<std::pair<std::string, uint32_t>> shapeMapSizes(const ShapePlan& shape) {
  return {{std::string(kVerdictMap), std::max<uint32_t>(shape.budget.verdictEntries, 1)},
          {std::string(kCidrMap), std::max<uint32_t>(shape.budget.cidrEntries, 1)}};
}

Expected<ProgramStats> programStats(int programFd) {
  bpf_prog_info info{};
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(programFd, &info, &length) != 0) return errnoError("reading program info", errno);
  ProgramStats stats;
  stats.name = info.name;
  stats.id = info.id;
  stats.verifiedInsns = info.verified_insns;
  stats.xlatedBytes = info.xlated_prog_len;
  stats.jitedBytes = info.jited_prog_len;
  return stats;
}

Expected<LoadedObject> loadObject(const LoadRequest& request) {
  LibbpfLogCapture capture;
  auto reportLog = [&] {
    if (request.libbpfLog) *request.libbpfLog = capture.text();
  };
  if (request.elf.empty()) return Error{"empty BPF object"};

  bpf_object_open_opts options{};
  options.sz = sizeof(options);
  options.object_name = request.objectName.c_str();
  options.kernel_log_level = request.fullVerifierLog ? (1 | 2 | 4) : 0;

  LoadedObject loaded;
  auto openStart = std::chrono::steady_clock::now();
  loaded.object_.reset(bpf_object__open_mem(request.elf.data(), request.elf.size(), &options));
  if (!loaded.object_) {
    int err = errno;
    reportLog();
    return withLibbpfLog(errnoError("opening BPF object '" + request.objectName + "'", err).message, capture.text());
  }
  loaded.stats_.openMs = millisecondsSince(openStart);

  if (request.endpoint)
    if (auto set = setEndpointConfig(loaded.object(), *request.endpoint); !set) return set.error();
  // Sizes first: a reused map (fd or pin) then keeps its own, a created one gets these.
  for (const auto& [name, entries] : request.mapSizes) {
    bpf_map* map = bpf_object__find_map_by_name(loaded.object(), name.c_str());
    if (!map) continue;
    if (int err = bpf_map__set_max_entries(map, entries); err != 0)
      return errnoError("sizing map " + name + " of BPF object '" + request.objectName + "'", -err);
  }
  if (request.sharedMaps) {
    auto guard = lockIfGiven(request.sharedMapsLock);
    if (auto prepared = request.sharedMaps->prepare(loaded.object(), request.shapeKey); !prepared)
      return prepared.error();
  }

  auto loadStart = std::chrono::steady_clock::now();
  int err = bpf_object__load(loaded.object());
  loaded.stats_.loadMs = millisecondsSince(loadStart);
  reportLog();
  if (err != 0) return loadFailure(request, err, capture.text());
  if (mentionsBtfFallback(capture.text()))
    return withLibbpfLog("the kernel rejected the BTF of BPF object '" + request.objectName +
                             "' and libbpf fell back to loading without it (\"BTF is optional\"); "
                             "this is a code generation bug",
                         capture.text());
  if (request.sharedMaps) {
    auto guard = lockIfGiven(request.sharedMapsLock);
    if (auto remembered = request.sharedMaps->remember(loaded.object(), request.shapeKey); !remembered)
      return remembered.error();
  }

  if (int table = loaded.mapFd(kPortTableMap); table >= 0) {
    auto starts = rangeStartsIn(loaded.object());
    if (!starts) return starts.error();
    auto filled = ensurePortTable(table, *starts);
    if (!filled) return filled.error();
    if (filled->portTableEntries > 0) loaded.stats_.portTableFillMs = filled->ms;
  }

  bpf_program* program = nullptr;
  bpf_object__for_each_program(program, loaded.object()) {
    auto stats = programStats(bpf_program__fd(program));
    if (!stats) return stats.error();
    stats->name = bpf_program__name(program);  // the kernel truncates names to 15 characters
    loaded.stats_.programs.push_back(std::move(*stats));
  }
  return loaded;
}

}  // namespace ciliumc::loader
