// Running one packet through one loaded program (BPF_PROG_TEST_RUN) and reading what the
// runtime decided: the tc verdict the program returned, and the event(s) it wrote into the
// node-wide ciliumc_events ring buffer (endpoint, identities, direction, reason, rule).
// Contract: run() drains events left over from earlier runs first, so the returned events are
// exactly this run's. Each probe should be a fresh flow: call clearConnections() before it,
// else an earlier allowed flow's CT entry turns a deny into "reply".
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "loader/status.h"
#include "runtime/ciliumc_abi.h"

namespace ciliumc::loader {

inline constexpr int kTcActOk = 0;    // TC_ACT_OK
inline constexpr int kTcActShot = 2;  // TC_ACT_SHOT

struct ProbeOutcome {
  int tcVerdict = -1;       // the program's return value
  uint32_t durationNs = 0;  // kernel-measured time per run (average over `repeat`)
  std::vector<ciliumc_event> events;
  const ciliumc_event* lastEvent() const { return events.empty() ? nullptr : &events.back(); }
};

class ProbeRunner {
 public:
  // The node maps of a loaded object (or adopted pins). ctFd and configFd may be -1 (then
  // clearConnections / setEmitAllowEvents fail).
  static Expected<ProbeRunner> create(int eventsFd, int ctFd, int configFd);
  ProbeRunner(ProbeRunner&&) noexcept;
  ProbeRunner& operator=(ProbeRunner&&) noexcept;
  ~ProbeRunner();

  // ciliumc_config flag CILIUMC_CONFIG_EMIT_ALLOW_EVENTS: allow verdicts emit events too.
  Status setEmitAllowEvents(bool enabled);
  // Deletes every entry of ciliumc_ct (bounded by the map's capacity).
  Status clearConnections();
  // `repeat` > 1 measures: durationNs is the mean; events are the last ones that fit the ring.
  Expected<ProbeOutcome> run(int programFd, std::span<const uint8_t> packet, uint32_t repeat = 1);

 private:
  struct State;
  explicit ProbeRunner(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ciliumc::loader
