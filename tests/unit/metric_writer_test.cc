#include "daemon/metrics/metric_writer.h"

#include <doctest/doctest.h>

#include "daemon/metrics/metrics_endpoint.h"

TEST_CASE("metric families in Prometheus's text format") {
  pm::MetricWriter out;
  out.family("pm_x_total", "counter", "Things.\nCounted.");
  out.sample({{"app", "we\"b\\1\n"}, {"id", "0"}}, 0.07);
  out.sample({}, 3);
  CHECK(out.text() ==
        "# HELP pm_x_total Things.\\nCounted.\n"
        "# TYPE pm_x_total counter\n"
        "pm_x_total{app=\"we\\\"b\\\\1\\n\",id=\"0\"} 0.07\n"
        "pm_x_total 3\n");
}

TEST_CASE("a bare metrics port listens on loopback") {
  CHECK(pm::MetricsEndpoint::parse_address("9209").display() == "127.0.0.1:9209");
  CHECK(pm::MetricsEndpoint::parse_address("0.0.0.0:9209").display() == "0.0.0.0:9209");
  CHECK(pm::MetricsEndpoint::parse_address("[::1]:9209").display() == "[::1]:9209");
  CHECK_THROWS(pm::MetricsEndpoint::parse_address("/run/metrics.sock"));
  CHECK_THROWS(pm::MetricsEndpoint::parse_address("nine"));
}
