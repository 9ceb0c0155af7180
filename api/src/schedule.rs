//! Job schedules: six-field cron expressions (with seconds, UTC), parsed the way the scheduler
//! runs them. Apart from `jobs` so that configuration can check schedules without depending on
//! the jobs (and everything they use).

/// The next time a six-field UTC cron expression fires after now.
pub fn next_fire(schedule: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    parse_schedule(schedule)
        .ok()?
        .find_next_occurrence(&chrono::Utc::now(), false)
        .ok()
}

/// Parses a six-field expression the way the scheduler does.
pub fn parse_schedule(schedule: &str) -> Result<croner::Cron, croner::errors::CronError> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(schedule)
}
