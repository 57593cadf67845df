# shellcheck shell=bash
# tools/bench/reporting.sh — the reporting scenarios of `./stack bench`
# (issue 15), sourced by tools/bench/run after its measure() and CEILING_MODE;
# run's REPORTING_SCENARIOS lists them, and BENCH_SCENARIOS=reporting runs
# them all (they are not in the default run).
# Each is held against the `read` ceiling, and is cold: its requests vary
# (ranges, filters, cursors; tools/bench/lua/<scenario>.lua) and, while it
# runs, tools/bench/reporting.py bust bumps the list cache generation of the
# scope its answers live in every 2 ms, so nearly every answer is computed
# (the line's cache_hit_pct says how many were not).
#
#   list_admin_first   the admin's filtered list, first page, cursor mode
#   list_admin_deep    the same list BENCH_DEEP_ROWS (50000) rows deep, by
#                      cursor (reporting.py cursors walks there first and
#                      collects 2000 cursors from that depth on)
#   sales_day_365, sales_week_365, sales_month_365
#                      /reports/sales over 365 days by day, week, month
#   top_products_90    /reports/top-products over 90 days
#   stats_cold_365     /orders/stats over 365 days
#   export_csv         GET /orders/export of every order, once, with each
#                      worker's RSS before, at its peak and after:
#     bench export rows=<n> seconds=<s> rows_per_s=<n> mb=<n> status=<code>
#     bench export_rss worker=<pid> kb_before=<n> kb_peak=<n> kb_after=<n> growth_kb=<n>
#     bench export_rss verdict=flat|grew|unknown max_growth_kb=<n> threshold_kb=<n>
# The ranges lie inside the seeded days, BENCH_DAYS (as tools/bench/seed).

: "${REPORTING_SCENARIOS:?tools/bench/run lists the reporting scenarios}"
declare -A REPORTING_SCOPE=([list_admin_first]=orders:all [list_admin_deep]=orders:all
    [sales_day_365]=stats [sales_week_365]=stats [sales_month_365]=stats [top_products_90]=stats
    [stats_cold_365]=stats)
# CEILING_MODE is run's (an associative array).
# shellcheck disable=SC2034
for _scenario in "${!REPORTING_SCOPE[@]}"; do CEILING_MODE["$_scenario"]="read"; done
unset _scenario
DEEP_ROWS=${BENCH_DEEP_ROWS:-50000}
[[ $DEEP_ROWS =~ ^[1-9][0-9]{0,6}$ ]] || die "BENCH_DEEP_ROWS must be a number of rows, got '$DEEP_ROWS'"
export BENCH_DAYS=${BENCH_DAYS:-90}

# reporting_drain: waits (up to 3 minutes) until /health answers within a
# second twice in a row.  wrk stops after its seconds, but the slow cold
# requests it left queued for the workers would otherwise still be served
# while the next scenario is measured.
reporting_drain() {
    local quick=0 took
    for _ in $(seq 180); do
        took=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 "$URL/health" || true)
        if [[ $took =~ ^200\ 0\. ]]; then
            quick=$(( quick + 1 ))
            (( quick < 2 )) || return 0
        else
            quick=0
        fi
        sleep 0.5
    done
    note "orderapi's workers are still busy after 3 minutes"
}

# reporting_run SCENARIO: runs it when it is a reporting scenario (0), else 1.
reporting_run() {
    local scenario=$1 buster="" depth
    [[ " $REPORTING_SCENARIOS " == *" $scenario "* ]] || return 1
    if [[ $scenario == export_csv ]]; then
        note "export_csv: GET /api/v1/orders/export of every order"
        /usr/bin/python3 "$BENCH_DIR/reporting.py" export --url "$URL" --token-file "$OUT/admin.token" \
            --master-pid "$(<"$ORDERAPI_PID_FILE")" --flat-kb "$RSS_FLAT_KB" ||
            printf 'bench export failed\n'
        return 0
    fi
    if [[ $scenario == list_admin_deep ]]; then
        note "list_admin_deep: walking $DEEP_ROWS rows deep by cursor"
        depth=$(/usr/bin/python3 "$BENCH_DIR/reporting.py" cursors --url "$URL" --token-file "$OUT/admin.token" \
            --query "status=pending&min_amount=10" --depth "$DEEP_ROWS" --count 2000 --out "$OUT/cursors-deep.txt") ||
            { printf 'bench list_admin_deep failed (no cursors)\n'; return 0; }
        note "list_admin_deep: $depth"
        [[ $depth != *" cursors=0" ]] || { printf 'bench list_admin_deep failed (the list is shorter: %s)\n' "$depth"; return 0; }
        export BENCH_CURSORS=$OUT/cursors-deep.txt
    fi
    /usr/bin/python3 "$BENCH_DIR/reporting.py" bust --socket "$ORDERAPI_REDIS_SOCKET" \
        --scope "${REPORTING_SCOPE[$scenario]}" & buster=$!
    measure "$scenario" "$SECONDS_EACH" "$scenario" || true
    kill "$buster" 2>/dev/null || true
    wait "$buster" 2>/dev/null || true
    reporting_drain
    return 0
}
