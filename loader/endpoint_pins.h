// Pinning an endpoint's programs under bpffs (pin_layout.h) so a later process can find what is
// enforced (adoption), replace it, or remove it (`ciliumc unload`).
// Contract: pinEndpointPrograms replaces existing pins atomically (pin to a temporary name, then
// rename), so a reader never finds the endpoint without programs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "loader/loaded_object.h"
#include "loader/pin_layout.h"
#include "loader/unique_fd.h"

namespace ciliumc::loader {

Status pinEndpointPrograms(const LoadedObject& object, const PinLayout& pins, uint32_t endpointId);

struct PinnedEndpoint {
  UniqueFd ingress;  // invalid when not pinned
  UniqueFd egress;
};
Expected<PinnedEndpoint> openPinnedEndpoint(const PinLayout& pins, uint32_t endpointId);

// Removes the endpoint's pins (attached tc filters keep their programs alive: detach first).
Status unpinEndpoint(const PinLayout& pins, uint32_t endpointId);

// Removes the pin directories of shapes (and of per-plan port tables) whose maps no pinned
// endpoint program uses any more; returns their keys (port tables as "ports-<hash>").
Expected<std::vector<std::string>> removeUnusedShapePins(const PinLayout& pins);

// Removes every pin of the layout (endpoints, shapes, node maps) and the ciliumc directory.
Status removeAllPins(const PinLayout& pins);

// Kernel ids of the maps a program uses.
Expected<std::vector<uint32_t>> programMapIds(int programFd);
Expected<uint32_t> mapId(int mapFd);

}  // namespace ciliumc::loader
