//! Cron schedules (the `cron` type): five fields, names and macros, as
//! Kubernetes' CronJob controller reads them.

use super::{all_digits, did_you_mean};

const CRON_MACROS: &[&str] = &[
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

const WEEKDAYS: &[&str] = &["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// One field of a cron schedule: its name, bounds, and the names its values
/// may take (counted from `min`).
struct CronField {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const CRON_FIELDS: [CronField; 5] = [
    CronField {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
    },
    CronField {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
    },
    CronField {
        name: "day-of-month",
        min: 1,
        max: 31,
        names: &[],
    },
    CronField {
        name: "month",
        min: 1,
        max: 12,
        names: MONTHS,
    },
    CronField {
        name: "day-of-week",
        min: 0,
        max: 6,
        names: WEEKDAYS,
    },
];

/// Checks a cron schedule as Kubernetes (robfig/cron's standard parser)
/// reads it; the error is a help text naming the field at fault.
pub(super) fn cron_help(s: &str) -> Result<(), String> {
    if s.starts_with('@') {
        if CRON_MACROS.contains(&s) {
            return Ok(());
        }
        let list: Vec<String> = CRON_MACROS.iter().map(|m| format!("`{m}`")).collect();
        return Err(match did_you_mean(s, CRON_MACROS.iter().copied()) {
            Some(m) => format!("did you mean `{m}`?"),
            None => format!("the macros are {}", list.join(", ")),
        });
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "a cron schedule has five fields (minute, hour, day of month, month, day of week), found {}",
            fields.len()
        ));
    }
    for (text, field) in fields.iter().zip(CRON_FIELDS.iter()) {
        for item in text.split(',') {
            cron_item(item, field)?;
        }
    }
    Ok(())
}

fn cron_item(item: &str, f: &CronField) -> Result<(), String> {
    let (range, step) = match item.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (item, None),
    };
    if let Some(step) = step
        && !step.parse::<u32>().is_ok_and(|n| n >= 1)
    {
        return Err(format!(
            "the step in the {} field must be a positive number, found `{step}`",
            f.name
        ));
    }
    if range == "*" || range == "?" {
        return Ok(());
    }
    let (lo, hi) = match range.split_once('-') {
        Some((lo, hi)) => (cron_value(lo, f)?, cron_value(hi, f)?),
        None => {
            let n = cron_value(range, f)?;
            (n, n)
        }
    };
    if lo > hi {
        return Err(format!(
            "the range `{range}` in the {} field runs backwards",
            f.name
        ));
    }
    Ok(())
}

fn cron_value(text: &str, f: &CronField) -> Result<u32, String> {
    if let Some(i) = f.names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
        // The name lists are far shorter than u32::MAX.
        return Ok(f.min + i as u32);
    }
    match text.parse::<u32>() {
        Ok(n) if (f.min..=f.max).contains(&n) => Ok(n),
        _ if all_digits(text) => Err(format!(
            "the {} field must be within {}–{}, found `{text}`",
            f.name, f.min, f.max
        )),
        _ if text.is_empty() => Err(format!("the {} field has an empty entry", f.name)),
        _ => Err(format!("`{text}` is not a valid {} value", f.name)),
    }
}
