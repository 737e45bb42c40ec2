#!/usr/bin/env python3
"""Writes the live test's Prometheus and Alertmanager configs from the shipped ones.

Only addresses, intervals and timers change; every other key is the shipped file's. Each change
is printed, so the test log shows exactly how the live configs differ from rules/.

prometheus.yml (from rules/prometheus.yml):
  - the scrape job's target -> --target (the operator-backend under test);
  - the scrape job's scrape_interval -> --scrape-interval. Its scrape_timeout is left alone: the
    shipped file sets it under `global:`, and the test shows Prometheus lowers it to the interval;
  - the Alertmanager target -> --alertmanager;
  - rule_files: the shipped files by absolute path (the config is written elsewhere), plus
    --test-rules.
alertmanager.yml (from rules/alertmanager.yml):
  - every webhook URL's scheme, host and port -> http://--webhook (the path, /pager or /ticket,
    is kept, so the receiver a notification reached shows in the URL it was posted to);
  - group_wait and group_interval, wherever the route tree sets them -> --group-timer, so that
    notifications and resolutions arrive in seconds instead of minutes. repeat_interval is kept.

Usage: live_configs.py alertmanager --rules-dir DIR --out FILE --webhook HOST:PORT [--group-timer 1s]
       live_configs.py prometheus --rules-dir DIR --out FILE --target HOST:PORT
                       --alertmanager HOST:PORT --test-rules FILE [--scrape-interval 1s]
"""
import argparse
import os
import sys
import urllib.parse

import yaml


def change(where, old, new):
    print(f"  {where}: {old} -> {new}")
    return new


def prometheus_config(args):
    path = os.path.join(args.rules_dir, "prometheus.yml")
    with open(path) as f:
        config = yaml.safe_load(f)
    print(f"{path}:")
    jobs = config["scrape_configs"]
    if len(jobs) != 1 or "scrape_timeout" in jobs[0]:
        sys.exit(f"{path}: expected one scrape job without a scrape_timeout of its own")
    job = jobs[0]
    static = job["static_configs"][0]
    static["targets"] = change("scrape_configs[0].static_configs[0].targets", static["targets"],
                               [args.target])
    job["scrape_interval"] = change("scrape_configs[0].scrape_interval", job["scrape_interval"],
                                    args.scrape_interval)
    am = config["alerting"]["alertmanagers"][0]["static_configs"][0]
    am["targets"] = change("alerting.alertmanagers[0].static_configs[0].targets", am["targets"],
                           [args.alertmanager])
    rule_files = [os.path.abspath(os.path.join(args.rules_dir, r)) for r in config["rule_files"]]
    config["rule_files"] = change("rule_files", config["rule_files"],
                                  rule_files + [os.path.abspath(args.test_rules)])
    return config


def retime_routes(route, where, timer):
    for key in ("group_wait", "group_interval"):
        if key in route:
            route[key] = change(f"{where}.{key}", route[key], timer)
    for i, child in enumerate(route.get("routes", [])):
        retime_routes(child, f"{where}.routes[{i}]", timer)


def alertmanager_config(args):
    path = os.path.join(args.rules_dir, "alertmanager.yml")
    with open(path) as f:
        config = yaml.safe_load(f)
    print(f"{path}:")
    if "group_wait" not in config["route"] or "group_interval" not in config["route"]:
        sys.exit(f"{path}: the root route should set group_wait and group_interval")
    retime_routes(config["route"], "route", args.group_timer)
    for receiver in config["receivers"]:
        for i, hook in enumerate(receiver.get("webhook_configs", [])):
            url = urllib.parse.urlsplit(hook["url"])
            new = urllib.parse.urlunsplit(("http", args.webhook, url.path, url.query, ""))
            hook["url"] = change(f"receivers[{receiver['name']}].webhook_configs[{i}].url",
                                 hook["url"], new)
    return config


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    am = commands.add_parser("alertmanager")
    am.add_argument("--webhook", required=True)
    am.add_argument("--group-timer", default="1s")
    prom = commands.add_parser("prometheus")
    for flag in ("--target", "--alertmanager", "--test-rules"):
        prom.add_argument(flag, required=True)
    prom.add_argument("--scrape-interval", default="1s")
    for command in (am, prom):
        command.add_argument("--rules-dir", required=True)
        command.add_argument("--out", required=True)
    args = parser.parse_args()
    config = alertmanager_config(args) if args.command == "alertmanager" else prometheus_config(args)
    with open(args.out, "w") as f:
        yaml.safe_dump(config, f, sort_keys=False)


if __name__ == "__main__":
    main()
