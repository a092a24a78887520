// lockstep/train/stop_signal.hpp — SIGINT/SIGTERM as a request to stop training cleanly.
//
// install_stop_signal_handlers() makes the first SIGINT or SIGTERM only set a flag (the
// trainer finishes the current step, writes a checkpoint and returns); the handler then
// restores the default action, so a second signal ends the process at once.
//
//   lockstep::install_stop_signal_handlers();
//   ... if (int sig = lockstep::stop_signal()) { save; return 128 + sig; }
#pragma once

namespace lockstep {

void install_stop_signal_handlers();
/// The signal that asked to stop (SIGINT, SIGTERM), or 0.
int stop_signal();
/// Asks to stop as if `signal` had arrived (tests, --stop-after-steps).
void request_stop(int signal);
/// Forgets a request.
void clear_stop_request();

}  // namespace lockstep
