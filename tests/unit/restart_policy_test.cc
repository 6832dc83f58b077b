#include "daemon/supervision/restart_policy.h"

#include <doctest/doctest.h>

TEST_CASE("backoff grows x1.5 from 100 ms and is capped at 15 s") {
  pm::RestartPolicy policy(1000, 100);
  int expected[] = {100, 150, 225, 337, 506, 759, 1139, 1708, 2562, 3844, 5766, 8649, 12974};
  for (int delay : expected) CHECK(policy.after_crash(5000).delay_ms == delay);
  CHECK(policy.after_crash(5000).delay_ms == 15000);
  CHECK(policy.after_crash(5000).delay_ms == 15000);
}

TEST_CASE("a run of 30 s resets the backoff") {
  pm::RestartPolicy policy(1000, 100);
  policy.after_crash(5000);
  policy.after_crash(5000);
  CHECK(policy.after_crash(5000).delay_ms == 225);
  CHECK(policy.after_crash(30000).delay_ms == 100);
}

TEST_CASE("the max_restarts-th unstable exit in a row ends in errored, as in PM2") {
  pm::RestartPolicy policy(1000, 3);
  CHECK_FALSE(policy.after_crash(10).errored);
  CHECK_FALSE(policy.after_crash(10).errored);
  CHECK(policy.unstable_restarts() == 2);
  CHECK(policy.after_crash(10).errored);
}

TEST_CASE("the default of 16 means 16 exits, 15 restarts") {
  pm::RestartPolicy policy(1000, 16);
  int exits = 1;
  while (!policy.after_crash(10).errored) ++exits;
  CHECK(exits == 16);
}

TEST_CASE("a stable run clears the unstable count") {
  pm::RestartPolicy policy(1000, 3);
  policy.after_crash(10);
  policy.after_crash(10);
  CHECK_FALSE(policy.after_crash(1500).errored);
  CHECK(policy.unstable_restarts() == 0);
  policy.reset();
  CHECK(policy.after_crash(10).delay_ms == 100);
}

TEST_CASE("spawn failures for want of resources back off but never end in errored") {
  pm::RestartPolicy policy(1000, 3);
  CHECK(policy.after_spawn_failure().delay_ms == 100);
  CHECK(policy.after_spawn_failure().delay_ms == 150);
  for (int i = 0; i < 50; ++i) CHECK_FALSE(policy.after_spawn_failure().errored);
  CHECK(policy.after_spawn_failure().delay_ms == 15000);
  CHECK(policy.unstable_restarts() == 0);
}
