#pragma once
// The Prometheus text format (version 0.0.4) of what pmd supervises: every
// instance, every listening address, and pmd itself. Served at /metrics by
// MetricsEndpoint.

#include <string>

namespace pm {

class Supervisor;

/// The exposition as of now. Reads /proc for each running instance's
/// process tree and for pmd.
std::string metrics_text(const Supervisor& supervisor);
/// Whether every instance not stopped on purpose is ready, and there is
/// one: what an orchestrator's readiness probe asks.
bool all_ready(const Supervisor& supervisor);

}  // namespace pm
