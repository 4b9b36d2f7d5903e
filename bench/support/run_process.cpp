#include "bench/support/run_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "bench/support/measure.h"

extern char** environ;

namespace ciliumc::bench {

namespace {

std::string readAndRemove(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  std::remove(path.c_str());
  return text.str();
}

}  // namespace

Expected<double> runProcess(const std::vector<std::string>& argv) {
  if (argv.empty()) return Error{"runProcess: no command"};
  char stderrPath[] = "/tmp/ciliumc-bench-stderr-XXXXXX";
  int stderrFd = mkstemp(stderrPath);
  if (stderrFd < 0) return Error{std::string("mkstemp: ") + std::strerror(errno)};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, stderrFd, STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, stderrFd);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  auto start = Clock::now();
  pid_t child = 0;
  int spawned = posix_spawnp(&child, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(stderrFd);
  if (spawned != 0) {
    readAndRemove(stderrPath);
    return Error{"cannot run " + argv[0] + ": " + std::strerror(spawned)};
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  double ms = msSince(start);
  std::string errors = readAndRemove(stderrPath);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string command;
    for (const std::string& arg : argv) command += (command.empty() ? "" : " ") + arg;
    return Error{"`" + command + "` failed (status " + std::to_string(status) + "):\n" + errors};
  }
  return ms;
}

}  // namespace ciliumc::bench
