#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The alert rules shipped for synq export: promtool accepts them, and their unit
# tests on synthetic series (examples/prometheus/synq-rules.test.yml) pass.
source tests/lib/e2e.sh

if ! command -v promtool > /dev/null; then
	t_skip export_rules "promtool missing (Debian package prometheus: scripts/install-deps.sh)"
	t_done
fi
t_run rules_check promtool check rules examples/prometheus/synq-rules.yml
t_run rules_unit_tests promtool test rules examples/prometheus/synq-rules.test.yml
t_done
