//! Times as people in the district read them: Asia/Shanghai, minutes.

pub fn local_time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A deadline: the end of a day (00:00 the next day) reads as "that day 24:00", as people say it.
pub fn local_deadline(t: &chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Timelike;
    let local = t.with_timezone(&chrono_tz::Asia::Shanghai);
    if local.hour() == 0 && local.minute() == 0 {
        let day = local.date_naive() - chrono::Duration::days(1);
        format!("{} 24:00", day.format("%Y-%m-%d"))
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    }
}
