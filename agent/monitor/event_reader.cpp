#include "agent/monitor/event_reader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <cerrno>

#include "loader/libbpf_log.h"
#include "loader/pin_layout.h"
#include "loader/status.h"
#include "loader/unique_fd.h"

namespace ciliumc::monitor {

struct EventReader::State {
  loader::UniqueFd mapFd;
  ring_buffer* ring = nullptr;
  const Callback* callback = nullptr;  // set only during poll()
  uint64_t malformed = 0;
  size_t delivered = 0;  // during the current poll()

  ~State() {
    if (ring) ring_buffer__free(ring);
  }

  static int onRecord(void* context, void* data, size_t size) {
    auto* state = static_cast<State*>(context);
    auto event = decodeEvent(std::span<const uint8_t>(static_cast<const uint8_t*>(data), size));
    if (!event) {
      ++state->malformed;
      return 0;
    }
    ++state->delivered;
    if (state->callback && *state->callback) (*state->callback)(*event);
    return 0;
  }
};

EventReader::EventReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
EventReader::~EventReader() = default;

Expected<std::unique_ptr<EventReader>> EventReader::fromFd(int ringBufferFd) {
  if (ringBufferFd < 0) return Error{"no ciliumc_events map (invalid fd)"};
  bpf_map_info info{};
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(ringBufferFd, &info, &length) != 0)
    return loader::errnoError("reading the ring buffer's map info", errno);
  if (info.type != BPF_MAP_TYPE_RINGBUF) return Error{"map " + std::string(info.name) + " is not a ring buffer"};
  auto state = std::make_unique<State>();
  state->mapFd.reset(::fcntl(ringBufferFd, F_DUPFD_CLOEXEC, 0));
  if (!state->mapFd.valid()) return loader::errnoError("duplicating the ring buffer fd", errno);
  loader::LibbpfLogCapture capture;
  state->ring = ring_buffer__new(state->mapFd.get(), &State::onRecord, state.get(), nullptr);
  if (!state->ring) return loader::errnoError("opening the ciliumc_events ring buffer", errno);
  return std::unique_ptr<EventReader>(new EventReader(std::move(state)));
}

Expected<std::unique_ptr<EventReader>> EventReader::openPath(const std::string& pinPath) {
  loader::UniqueFd fd(bpf_obj_get(pinPath.c_str()));
  if (!fd.valid()) return loader::errnoError("opening the pinned ring buffer " + pinPath, errno);
  return fromFd(fd.get());
}

Expected<std::unique_ptr<EventReader>> EventReader::openPinned(const std::string& bpffs) {
  return openPath(loader::PinLayout(bpffs).nodeMap("ciliumc_events"));
}

Expected<size_t> EventReader::poll(std::chrono::milliseconds timeout, const Callback& callback) {
  state_->callback = &callback;
  state_->delivered = 0;
  int consumed = timeout.count() <= 0 ? ring_buffer__consume(state_->ring)
                                      : ring_buffer__poll(state_->ring, static_cast<int>(timeout.count()));
  state_->callback = nullptr;
  if (consumed == -EINTR) return size_t{0};
  if (consumed < 0) return loader::errnoError("reading ciliumc_events", consumed);
  return state_->delivered;
}

uint64_t EventReader::malformedRecords() const { return state_->malformed; }

}  // namespace ciliumc::monitor
