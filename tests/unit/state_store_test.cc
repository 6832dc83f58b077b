#include "daemon/supervision/state_store.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "common/user_error.h"

using json = nlohmann::json;

TEST_CASE("save keeps the previous list, load falls back to it") {
  char dir_template[] = "/tmp/pm-state-XXXXXX";
  std::string dir = ::mkdtemp(dir_template);
  pm::StateStore store(pm::Paths{dir});
  std::vector<std::string> warnings;
  CHECK_THROWS_WITH_AS(store.load(warnings), doctest::Contains("pm save"), pm::UserError);

  store.save(json::array({{{"name", "one"}}}));
  store.save(json::array({{{"name", "two"}}}));
  CHECK(store.load(warnings)[0]["name"] == "two");
  CHECK(warnings.empty());
  struct stat st {};
  REQUIRE(::stat(store.path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  std::ofstream(store.path()) << "{\"apps\": [oops";
  CHECK(store.load(warnings)[0]["name"] == "one");
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("corrupt") != std::string::npos);

  std::ofstream(store.path() + ".bak") << "garbage";
  CHECK_THROWS_WITH_AS(store.load(warnings), doctest::Contains("nothing to resurrect"),
                       pm::UserError);
  store.clear();
  std::system(("rm -rf " + dir).c_str());
}
