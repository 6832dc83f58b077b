#pragma once
// The control protocol's reference: every command pmd answers, the fields
// of its request, the fields of its reply and the types of the messages it
// streams before the reply. pm and pmd spell command and field names only
// through these constants, so a name changes here or nowhere.
//
// A request is {"v": kProtocolVersion, "cmd": <command>, <request fields>}.
// Its reply is {"ok": true, <reply fields>} or {"ok": false, "error": <why>}.
// A streaming command first sends messages, each with a "type", and its
// reply last (`logs` with follow never replies: it streams until the client
// hangs up). Absent request fields take their defaults; `targets` are app
// names, instance ids or "all".
//
// Rows: `processes` is a list of ProcessRow (common/process_row.h), what
// `pm jlist` prints and scripts read; `instances` of `describe` is a list of
// InstanceDetails (common/instance_details.h); `logs` streams the events of
// common/log_events.h.

#include <initializer_list>

namespace pm {

/// Field names, request and reply alike.
namespace field {
// The envelope.
inline constexpr char kV[] = "v";          // protocol version of a request
inline constexpr char kCmd[] = "cmd";      // command name of a request
inline constexpr char kOk[] = "ok";        // whether a reply is a success
inline constexpr char kError[] = "error";  // why a request failed; why an instance last failed
inline constexpr char kType[] = "type";    // what a streamed message is (message_type)

// Requests.
inline constexpr char kTargets[] = "targets";    // app names, instance ids or "all"
inline constexpr char kSpec[] = "spec";          // one app's settings (AppSpec)
inline constexpr char kSpecs[] = "specs";        // several apps, started as one
inline constexpr char kWait[] = "wait";          // reply once done rather than at once
inline constexpr char kAction[] = "action";      // apply: "reload" or "restart" what runs
inline constexpr char kParallel[] = "parallel";  // reload: instances replaced at a time
inline constexpr char kEnv[] = "env";      // reload, restart: the new environment; env: KEY=value
inline constexpr char kCount[] = "count";  // scale: N, +N, -N; save, dropped: how many
inline constexpr char kForce[] = "force";  // save: even an empty list; start: a duplicate
inline constexpr char kMessage[] = "message";  // send: the JSON value; progress: what happened
inline constexpr char kSignal[] = "signal";    // signal: its name ("SIGUSR1")
inline constexpr char kLines[] = "lines";      // logs: past lines per file; tail: those lines
inline constexpr char kOut[] = "out";          // logs: include stdout
inline constexpr char kErr[] = "err";          // logs: include stderr
inline constexpr char kFollow[] = "follow";    // logs: stream new lines after the past ones

// Replies and streamed messages.
inline constexpr char kProcesses[] = "processes";   // ProcessRow list
inline constexpr char kInstances[] = "instances";   // InstanceDetails list
inline constexpr char kNames[] = "names";           // apps a start made
inline constexpr char kProblems[] = "problems";     // instances that failed to start
inline constexpr char kProblem[] = "problem";       // what went wrong with one
inline constexpr char kStderr[] = "stderr";         // its last lines of stderr
inline constexpr char kWarnings[] = "warnings";     // what the user should know
inline constexpr char kDeleted[] = "deleted";       // instance ids
inline constexpr char kDelivered[] = "delivered";   // instance ids
inline constexpr char kSignalled[] = "signalled";   // instance ids
inline constexpr char kMissed[] = "missed";         // instance ids not running
inline constexpr char kStarted[] = "started";       // resurrect: names; reload: it goes on
inline constexpr char kSkipped[] = "skipped";       // apps running already
inline constexpr char kApps[] = "apps";             // apply: {name, action} per app
inline constexpr char kFiles[] = "files";           // log files emptied
inline constexpr char kPath[] = "path";             // a file
inline constexpr char kPid[] = "pid";               // a process id, 0 for none
inline constexpr char kVersion[] = "version";       // pmd's version
inline constexpr char kStartedAt[] = "started_at";  // when pmd's image started, ms since 1970
inline constexpr char kApp[] = "app";               // an app's name in a progress message
inline constexpr char kLine[] = "line";             // one line of output
// start, scale: {id, problem} per instance whose log files cannot be written.
inline constexpr char kLogProblems[] = "log_problems";

// Rows: ProcessRow, InstanceDetails, ExitRecord, log events.
inline constexpr char kId[] = "id";
inline constexpr char kName[] = "name";
inline constexpr char kNamespace[] = "namespace";
inline constexpr char kMode[] = "mode";
inline constexpr char kListen[] = "listen";
inline constexpr char kStatus[] = "status";
// Serving: a ready signal came, or listen_timeout passed (status is PM2's).
inline constexpr char kReady[] = "ready";
inline constexpr char kRestarts[] = "restarts";
inline constexpr char kUptimeMs[] = "uptime_ms";
inline constexpr char kCpu[] = "cpu";
inline constexpr char kMemory[] = "memory";
inline constexpr char kCreatedAt[] = "created_at";
inline constexpr char kUnstableRestarts[] = "unstable_restarts";
inline constexpr char kLastExit[] = "last_exit";
inline constexpr char kOutLog[] = "out_log";
inline constexpr char kErrLog[] = "err_log";
inline constexpr char kCombinedLog[] = "log";  // stdout and stderr in one file (log_file)
inline constexpr char kLogError[] = "log_error";
inline constexpr char kSocketVia[] = "socket_via";
inline constexpr char kReadyVia[] = "ready_via";
inline constexpr char kNotifySocket[] = "notify_socket";
inline constexpr char kTrackedBy[] = "tracked_by";  // how pmd finds every process of a run
inline constexpr char kReloadError[] = "reload_error";
inline constexpr char kStartWarning[] = "start_warning";
inline constexpr char kHistory[] = "history";
inline constexpr char kAt[] = "at";
inline constexpr char kExit[] = "exit";
inline constexpr char kStopped[] = "stopped";
inline constexpr char kStream[] = "stream";
}  // namespace field

/// The types of streamed messages.
namespace message_type {
inline constexpr char kTail[] = "tail";          // logs: a file's last lines (LogTailEvent)
inline constexpr char kLine[] = "line";          // logs: a new line (LogLineEvent)
inline constexpr char kDropped[] = "dropped";    // logs: lines not sent (DroppedLinesEvent)
inline constexpr char kProgress[] = "progress";  // reload, apply: {app, id, message}
}  // namespace message_type

/// One command: its name, the fields its request may carry, the fields of
/// its reply, and the types of the messages it streams before the reply.
struct Command {
  const char* name;
  std::initializer_list<const char*> request;
  std::initializer_list<const char*> reply;
  std::initializer_list<const char*> streams;
};

/// Every command, grouped as pmd's handlers are (daemon/control/*_commands).
namespace command {
// Processes. A start with `wait` replies once every new instance is ready
// or has failed; `problems` holds {id, problem, stderr} per failed one,
// `log_problems` {id, problem} per instance whose log files cannot be had.
inline constexpr Command kStart{
    "start",
    {field::kSpec, field::kSpecs, field::kWait, field::kForce},
    {field::kNames, field::kProcesses, field::kProblems, field::kLogProblems, field::kWarnings},
    {}};
inline constexpr Command kScale{
    "scale",
    {field::kName, field::kCount},
    {field::kNames, field::kProcesses, field::kProblems, field::kLogProblems, field::kWarnings},
    {}};
inline constexpr Command kStop{"stop", {field::kTargets}, {field::kProcesses}, {}};
inline constexpr Command kRestart{
    "restart", {field::kTargets, field::kEnv}, {field::kProcesses}, {}};
inline constexpr Command kReset{"reset", {field::kTargets}, {field::kProcesses}, {}};
inline constexpr Command kDelete{"delete", {field::kTargets}, {field::kDeleted}, {}};

// What runs. `env` answers for the first instance targeted.
inline constexpr Command kList{"list", {}, {field::kProcesses}, {}};
inline constexpr Command kDescribe{"describe", {field::kTargets}, {field::kInstances}, {}};
inline constexpr Command kEnv{"env", {field::kTargets}, {field::kId, field::kEnv}, {}};

// Reloads. Without `wait`, reload replies {started: true} at once and
// streams nothing. apply starts the apps that do not run and reloads (or
// restarts) those that do.
inline constexpr Command kReload{"reload",
                                 {field::kTargets, field::kParallel, field::kEnv, field::kWait},
                                 {field::kStarted},
                                 {message_type::kProgress}};
inline constexpr Command kApply{
    "apply", {field::kSpecs, field::kAction}, {field::kApps}, {message_type::kProgress}};

// Logs.
inline constexpr Command kLogs{
    "logs",
    {field::kTargets, field::kLines, field::kOut, field::kErr, field::kFollow},
    {},
    {message_type::kTail, message_type::kLine, message_type::kDropped}};
inline constexpr Command kFlush{"flush", {field::kTargets}, {field::kFiles}, {}};
inline constexpr Command kReloadLogs{"reloadLogs", {}, {}, {}};

// Messages to instances.
inline constexpr Command kSend{
    "send", {field::kTargets, field::kMessage}, {field::kDelivered, field::kMissed}, {}};
inline constexpr Command kSignal{
    "signal", {field::kTargets, field::kSignal}, {field::kSignalled, field::kMissed}, {}};

// The saved app list.
inline constexpr Command kSave{"save", {field::kForce}, {field::kPath, field::kCount}, {}};
inline constexpr Command kResurrect{
    "resurrect", {}, {field::kStarted, field::kSkipped, field::kWarnings}, {}};
inline constexpr Command kCleardump{"cleardump", {}, {field::kPath}, {}};

// pmd itself. update replies {pid} from the old image just before it execs
// the installed pmd, or an error when it cannot.
inline constexpr Command kPing{"ping", {}, {field::kPid, field::kVersion, field::kStartedAt}, {}};
inline constexpr Command kKill{"kill", {}, {field::kPid}, {}};
inline constexpr Command kUpdate{"update", {}, {field::kPid}, {}};
}  // namespace command

/// The whole table, in the order above.
inline constexpr const Command* kCommands[] = {
    &command::kStart, &command::kScale,      &command::kStop,      &command::kRestart,
    &command::kReset, &command::kDelete,     &command::kList,      &command::kDescribe,
    &command::kEnv,   &command::kReload,     &command::kApply,     &command::kLogs,
    &command::kFlush, &command::kReloadLogs, &command::kSend,      &command::kSignal,
    &command::kSave,  &command::kResurrect,  &command::kCleardump, &command::kPing,
    &command::kKill,  &command::kUpdate,
};

}  // namespace pm
