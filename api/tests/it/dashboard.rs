//! The operator's Grafana dashboard (`ops/grafana/dashboards/butler.json`) queries only metrics
//! the API exports, and the API's `/metrics` page carries them once they have a sample.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

use crate::helpers::TestApp;

fn dashboard() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../ops/grafana/dashboards/butler.json"
    );
    let text = std::fs::read_to_string(path).expect("the dashboard file is there");
    serde_json::from_str(&text).expect("the dashboard is JSON")
}

/// Every PromQL expression of the dashboard's panels (rows' panels included).
fn expressions(dashboard: &Value) -> Vec<String> {
    fn walk(panels: &Value, out: &mut Vec<String>) {
        for p in panels.as_array().into_iter().flatten() {
            for t in p["targets"].as_array().into_iter().flatten() {
                if let Some(e) = t["expr"].as_str() {
                    out.push(e.to_string());
                }
            }
            walk(&p["panels"], out);
        }
    }
    let mut out = Vec::new();
    walk(&dashboard["panels"], &mut out);
    out
}

/// The metric names a PromQL expression selects: identifiers that are not a function (followed
/// by `(`), a keyword, a label inside `{…}` or `by (…)`/`without (…)`, or a number.
fn metric_names(expr: &str) -> BTreeSet<String> {
    const KEYWORDS: [&str; 23] = [
        // aggregation operators, which may be followed by `by (…)` rather than `(`
        "sum",
        "avg",
        "min",
        "max",
        "count",
        "group",
        "stddev",
        "stdvar",
        "topk",
        "bottomk",
        "quantile",
        "count_values",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "offset",
        "bool",
        "and",
        "or",
        "unless",
    ];
    // Label matchers, durations and strings carry no metric names.
    let mut plain = String::new();
    let mut depth_braces = 0;
    let mut depth_brackets = 0;
    let mut quote: Option<char> = None;
    for c in expr.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '{') => depth_braces += 1,
            (None, '}') => depth_braces -= 1,
            (None, '[') => depth_brackets += 1,
            (None, ']') => depth_brackets -= 1,
            (None, c) if depth_braces == 0 && depth_brackets == 0 => plain.push(c),
            _ => plain.push(' '),
        }
    }
    let chars: Vec<char> = plain.chars().collect();
    let mut names = BTreeSet::new();
    let mut i = 0;
    let mut grouping = false; // inside the label list of by/without/on/ignoring
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "_:".contains(chars[i])) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = chars[i..].iter().find(|c| !c.is_whitespace());
            if [
                "by",
                "without",
                "on",
                "ignoring",
                "group_left",
                "group_right",
            ]
            .contains(&word.as_str())
            {
                grouping = next == Some(&'(');
            } else if grouping || next == Some(&'(') || KEYWORDS.contains(&word.as_str()) {
                // a label of a grouping, or a function
            } else {
                names.insert(word);
            }
            continue;
        }
        if c == ')' {
            grouping = false;
        }
        i += 1;
    }
    names
}

#[test]
fn the_extractor_finds_metrics_and_only_metrics() {
    let names = metric_names(
        "histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{route=~\"/api/.+\"}[5m])))",
    );
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["http_request_duration_seconds_bucket"]
    );
    let names = metric_names(
        "sum by (provider) (rate(a_total{x=\"y\"}[5m])) / ignoring (reason) sum without (reason) (b_total) + c",
    );
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["a_total", "b_total", "c"]
    );
}

#[test]
fn every_metric_the_dashboard_queries_is_one_the_api_exports() {
    let exported: BTreeSet<String> = api::metrics::Metrics::new()
        .exported_names()
        .into_iter()
        .collect();
    let exprs = expressions(&dashboard());
    assert!(exprs.len() >= 10, "the dashboard has its panels: {exprs:?}");
    let mut queried = BTreeSet::new();
    for e in &exprs {
        let names = metric_names(e);
        assert!(!names.is_empty(), "an expression with no metric: {e}");
        queried.extend(names);
    }
    let unknown: Vec<&String> = queried.difference(&exported).collect();
    assert!(
        unknown.is_empty(),
        "the dashboard queries metrics the API does not export: {unknown:?} (exported: {exported:?})"
    );
    // What the issue asks the dashboard to show, each by at least one panel.
    for needed in [
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "account_syncs_total",
        "upstream_requests_total",
        "upstream_wait_seconds_total",
        "job_run_duration_seconds_bucket",
        "db_pool_connections",
    ] {
        assert!(queried.contains(needed), "no panel shows {needed}");
    }
}

/// The new series on the API's own page: a request, a manual account's sync, and the pool's
/// connections.
#[tokio::test]
async fn the_metrics_page_carries_sync_outcomes_and_the_database_pool() {
    let app = TestApp::local().await;
    let r = app
        .send(
            Method::POST,
            "/api/accounts",
            None,
            Some(json!({"name": "Cold", "account_type": "manual"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = app
        .send(
            Method::POST,
            &format!("/api/accounts/{id}/sync"),
            None,
            None,
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let text = app.get("/metrics", None).await.text();
    assert!(
        text.contains(r#"account_syncs_total{outcome="ok",source="manual"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"http_requests_total{method="POST",route="/api/accounts",status="201"} 1"#),
        "{text}"
    );
    let max = text
        .lines()
        .find(|l| l.starts_with(r#"db_pool_connections{state="max"}"#))
        .unwrap_or_else(|| panic!("no pool gauge: {text}"));
    let max: i64 = max.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(max >= 1, "{max}");
    assert!(text.contains(r#"db_pool_connections{state="in_use"}"#));
}
