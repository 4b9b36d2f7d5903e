// Classifying an identity that appeared after the compile (a new pod anywhere in the cluster)
// in a shape that is already loaded: a map update, never a recompile or a reload.
// Contract: classifyIdentity(shape, maps, party) computes, per direction, the verdict row the
// evaluator's rules give the party (DirectionPlan::rowFor(peerSetOf(party))). A row equal to an
// existing one reuses its class; a new row takes the next class below budget.classCapacity and
// its cells are written to ciliumc_verdict BEFORE the identity's ciliumc_class entry points at
// it, so a packet never sees a half-written class. The shape plan is updated to match the maps
// (rows appended, identityClasses[identity] set). Answers false — and writes nothing — when a
// direction has no spare class (the caller regenerates the endpoint with more capacity).
// Not thread-safe: one writer per shape (the agent serialises updates).
#pragma once
#include "ir/party.h"
#include "loader/map_fill.h"
#include "loader/status.h"
#include "passes/datapath_plan.h"

namespace ciliumc::loader {

Expected<bool> classifyIdentity(ShapePlan& shape, const ShapeMapFds& maps, const Party& party);

// Resets an identity that disappeared to class 0 (it matches no peer) in ciliumc_class.
Status forgetIdentity(ShapePlan& shape, const ShapeMapFds& maps, NumericIdentity identity);

}  // namespace ciliumc::loader
