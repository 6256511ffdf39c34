//! The public holidays and adjusted working days (放假调休) of the People's Republic of China,
//! as the State Council General Office publishes them each year in its notice
//! 《国务院办公厅关于 YYYY 年部分节假日安排的通知》. The project ships them so a new installation
//! counts deadlines right without anyone typing them in; `calendar::load_shipped` writes them
//! into `calendar_days` once per year, and from then on they are the administrator's data.
//!
//! Each arrangement is written as the notice words it: the days off ("…至…放假调休，共 N 天",
//! N kept beside the range as a check) and the weekend days worked ("…（星期日）上班"). A
//! range may include weekend days: they are recorded too, as the notices list them.
//!
//! Sources: the notices' text as quoted in the public repositories NateScarlet/holiday-cn
//! (its per-year data and combined .ics, generated from the gov.cn notices) and
//! LKI/chinese-calendar (its Go and Python ports quote each notice); checked day by day against
//! a second, independent copy of each notice's text found in other public code (2020 to 2026).
//! 2020 includes the Spring Festival holiday extended to 2 February by 《国务院办公厅关于延长
//! 2020年春节假期的通知》 (27 January 2020): 31 January to 2 February off, and Saturday
//! 1 February, announced as a working day, no longer worked.
//!
//! To add a year: append its notice below (the tests check each range against its 共 N 天
//! and that every day worked is a Saturday or a Sunday); the next start loads it into every
//! installation that has no day of that year yet.

use chrono::{Datelike, Duration, NaiveDate};

use crate::calendar::DayKind;

/// A holiday's name, as the notices give it and in English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Festival {
    pub zh: &'static str,
    pub en: &'static str,
}

pub const NEW_YEAR: Festival = Festival {
    zh: "元旦",
    en: "New Year's Day",
};
pub const SPRING_FESTIVAL: Festival = Festival {
    zh: "春节",
    en: "Spring Festival",
};
pub const SPRING_FESTIVAL_EXTENDED: Festival = Festival {
    zh: "春节（延长假期）",
    en: "Spring Festival (extended)",
};
pub const QINGMING: Festival = Festival {
    zh: "清明节",
    en: "Qingming Festival",
};
pub const LABOUR_DAY: Festival = Festival {
    zh: "劳动节",
    en: "Labour Day",
};
pub const DRAGON_BOAT: Festival = Festival {
    zh: "端午节",
    en: "Dragon Boat Festival",
};
pub const MID_AUTUMN: Festival = Festival {
    zh: "中秋节",
    en: "Mid-Autumn Festival",
};
pub const NATIONAL_DAY: Festival = Festival {
    zh: "国庆节",
    en: "National Day",
};
pub const NATIONAL_DAY_MID_AUTUMN: Festival = Festival {
    zh: "国庆节、中秋节",
    en: "National Day and Mid-Autumn Festival",
};

/// One item of a notice: the days off, from `off.0` to `off.1` inclusive (`days` of them, as
/// the notice counts), and the weekend days worked in return.
#[derive(Debug, Clone, Copy)]
pub struct Arrangement {
    pub festival: Festival,
    pub off: (&'static str, &'static str),
    pub days: i64,
    pub work: &'static [&'static str],
}

/// One year's notice.
#[derive(Debug, Clone, Copy)]
pub struct Notice {
    pub year: i32,
    pub title: &'static str,
    pub arrangements: &'static [Arrangement],
}

const fn a(
    festival: Festival,
    from: &'static str,
    to: &'static str,
    days: i64,
    work: &'static [&'static str],
) -> Arrangement {
    Arrangement {
        festival,
        off: (from, to),
        days,
        work,
    }
}

pub const NOTICES: &[Notice] = &[
    Notice {
        year: 2020,
        title: "国务院办公厅关于2020年部分节假日安排的通知；国务院办公厅关于延长2020年春节假期的通知",
        arrangements: &[
            // 一、元旦：2020年1月1日放假，共1天。
            a(NEW_YEAR, "2020-01-01", "2020-01-01", 1, &[]),
            // 二、春节：1月24日至30日放假调休，共7天。1月19日（星期日）、2月1日（星期六）上班。
            a(
                SPRING_FESTIVAL,
                "2020-01-24",
                "2020-01-30",
                7,
                &["2020-01-19"],
            ),
            // 延长2020年春节假期至2月2日（星期日，农历正月初九）: 1 February is off after all.
            a(SPRING_FESTIVAL_EXTENDED, "2020-01-31", "2020-02-02", 3, &[]),
            // 三、清明节：4月4日至6日放假调休，共3天。
            a(QINGMING, "2020-04-04", "2020-04-06", 3, &[]),
            // 四、劳动节：5月1日至5日放假调休，共5天。4月26日（星期日）、5月9日（星期六）上班。
            a(
                LABOUR_DAY,
                "2020-05-01",
                "2020-05-05",
                5,
                &["2020-04-26", "2020-05-09"],
            ),
            // 五、端午节：6月25日至27日放假调休，共3天。6月28日（星期日）上班。
            a(DRAGON_BOAT, "2020-06-25", "2020-06-27", 3, &["2020-06-28"]),
            // 六、国庆节、中秋节：10月1日至8日放假调休，共8天。9月27日（星期日）、10月10日（星期六）上班。
            a(
                NATIONAL_DAY_MID_AUTUMN,
                "2020-10-01",
                "2020-10-08",
                8,
                &["2020-09-27", "2020-10-10"],
            ),
        ],
    },
    Notice {
        year: 2021,
        title: "国务院办公厅关于2021年部分节假日安排的通知",
        arrangements: &[
            // 一、元旦：2021年1月1日至3日放假，共3天。
            a(NEW_YEAR, "2021-01-01", "2021-01-03", 3, &[]),
            // 二、春节：2月11日至17日放假调休，共7天。2月7日（星期日）、2月20日（星期六）上班。
            a(
                SPRING_FESTIVAL,
                "2021-02-11",
                "2021-02-17",
                7,
                &["2021-02-07", "2021-02-20"],
            ),
            // 三、清明节：4月3日至5日放假调休，共3天。
            a(QINGMING, "2021-04-03", "2021-04-05", 3, &[]),
            // 四、劳动节：5月1日至5日放假调休，共5天。4月25日（星期日）、5月8日（星期六）上班。
            a(
                LABOUR_DAY,
                "2021-05-01",
                "2021-05-05",
                5,
                &["2021-04-25", "2021-05-08"],
            ),
            // 五、端午节：6月12日至14日放假，共3天。
            a(DRAGON_BOAT, "2021-06-12", "2021-06-14", 3, &[]),
            // 六、中秋节：9月19日至21日放假调休，共3天。9月18日（星期六）上班。
            a(MID_AUTUMN, "2021-09-19", "2021-09-21", 3, &["2021-09-18"]),
            // 七、国庆节：10月1日至7日放假调休，共7天。9月26日（星期日）、10月9日（星期六）上班。
            a(
                NATIONAL_DAY,
                "2021-10-01",
                "2021-10-07",
                7,
                &["2021-09-26", "2021-10-09"],
            ),
        ],
    },
    Notice {
        year: 2022,
        title: "国务院办公厅关于2022年部分节假日安排的通知",
        arrangements: &[
            // 一、元旦：2022年1月1日至3日放假，共3天。
            a(NEW_YEAR, "2022-01-01", "2022-01-03", 3, &[]),
            // 二、春节：1月31日至2月6日放假调休，共7天。1月29日（星期六）、1月30日（星期日）上班。
            a(
                SPRING_FESTIVAL,
                "2022-01-31",
                "2022-02-06",
                7,
                &["2022-01-29", "2022-01-30"],
            ),
            // 三、清明节：4月3日至5日放假调休，共3天。4月2日（星期六）上班。
            a(QINGMING, "2022-04-03", "2022-04-05", 3, &["2022-04-02"]),
            // 四、劳动节：4月30日至5月4日放假调休，共5天。4月24日（星期日）、5月7日（星期六）上班。
            a(
                LABOUR_DAY,
                "2022-04-30",
                "2022-05-04",
                5,
                &["2022-04-24", "2022-05-07"],
            ),
            // 五、端午节：6月3日至5日放假，共3天。
            a(DRAGON_BOAT, "2022-06-03", "2022-06-05", 3, &[]),
            // 六、中秋节：9月10日至12日放假，共3天。
            a(MID_AUTUMN, "2022-09-10", "2022-09-12", 3, &[]),
            // 七、国庆节：10月1日至7日放假调休，共7天。10月8日（星期六）、10月9日（星期日）上班。
            a(
                NATIONAL_DAY,
                "2022-10-01",
                "2022-10-07",
                7,
                &["2022-10-08", "2022-10-09"],
            ),
        ],
    },
    Notice {
        year: 2023,
        title: "国务院办公厅关于2023年部分节假日安排的通知",
        arrangements: &[
            // 一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。
            a(NEW_YEAR, "2022-12-31", "2023-01-02", 3, &[]),
            // 二、春节：1月21日至27日放假调休，共7天。1月28日（星期六）、1月29日（星期日）上班。
            a(
                SPRING_FESTIVAL,
                "2023-01-21",
                "2023-01-27",
                7,
                &["2023-01-28", "2023-01-29"],
            ),
            // 三、清明节：4月5日放假，共1天。
            a(QINGMING, "2023-04-05", "2023-04-05", 1, &[]),
            // 四、劳动节：4月29日至5月3日放假调休，共5天。4月23日（星期日）、5月6日（星期六）上班。
            a(
                LABOUR_DAY,
                "2023-04-29",
                "2023-05-03",
                5,
                &["2023-04-23", "2023-05-06"],
            ),
            // 五、端午节：6月22日至24日放假调休，共3天。6月25日（星期日）上班。
            a(DRAGON_BOAT, "2023-06-22", "2023-06-24", 3, &["2023-06-25"]),
            // 六、中秋节、国庆节：9月29日至10月6日放假调休，共8天。10月7日（星期六）、10月8日（星期日）上班。
            a(
                NATIONAL_DAY_MID_AUTUMN,
                "2023-09-29",
                "2023-10-06",
                8,
                &["2023-10-07", "2023-10-08"],
            ),
        ],
    },
    Notice {
        year: 2024,
        title: "国务院办公厅关于2024年部分节假日安排的通知",
        arrangements: &[
            // 一、元旦：1月1日放假，与周末连休。
            a(NEW_YEAR, "2024-01-01", "2024-01-01", 1, &[]),
            // 二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班。
            a(
                SPRING_FESTIVAL,
                "2024-02-10",
                "2024-02-17",
                8,
                &["2024-02-04", "2024-02-18"],
            ),
            // 三、清明节：4月4日至6日放假调休，共3天。4月7日（星期日）上班。
            a(QINGMING, "2024-04-04", "2024-04-06", 3, &["2024-04-07"]),
            // 四、劳动节：5月1日至5日放假调休，共5天。4月28日（星期日）、5月11日（星期六）上班。
            a(
                LABOUR_DAY,
                "2024-05-01",
                "2024-05-05",
                5,
                &["2024-04-28", "2024-05-11"],
            ),
            // 五、端午节：6月10日放假，与周末连休。
            a(DRAGON_BOAT, "2024-06-10", "2024-06-10", 1, &[]),
            // 六、中秋节：9月15日至17日放假调休，共3天。9月14日（星期六）上班。
            a(MID_AUTUMN, "2024-09-15", "2024-09-17", 3, &["2024-09-14"]),
            // 七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。
            a(
                NATIONAL_DAY,
                "2024-10-01",
                "2024-10-07",
                7,
                &["2024-09-29", "2024-10-12"],
            ),
        ],
    },
    Notice {
        year: 2025,
        title: "国务院办公厅关于2025年部分节假日安排的通知",
        arrangements: &[
            // 一、元旦：1月1日（周三）放假1天，不调休。
            a(NEW_YEAR, "2025-01-01", "2025-01-01", 1, &[]),
            // 二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。
            // 1月26日（周日）、2月8日（周六）上班。
            a(
                SPRING_FESTIVAL,
                "2025-01-28",
                "2025-02-04",
                8,
                &["2025-01-26", "2025-02-08"],
            ),
            // 三、清明节：4月4日（周五）至6日（周日）放假，共3天。
            a(QINGMING, "2025-04-04", "2025-04-06", 3, &[]),
            // 四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
            a(LABOUR_DAY, "2025-05-01", "2025-05-05", 5, &["2025-04-27"]),
            // 五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
            a(DRAGON_BOAT, "2025-05-31", "2025-06-02", 3, &[]),
            // 六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。
            // 9月28日（周日）、10月11日（周六）上班。
            a(
                NATIONAL_DAY_MID_AUTUMN,
                "2025-10-01",
                "2025-10-08",
                8,
                &["2025-09-28", "2025-10-11"],
            ),
        ],
    },
    Notice {
        year: 2026,
        title: "国务院办公厅关于2026年部分节假日安排的通知",
        arrangements: &[
            // 一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
            a(NEW_YEAR, "2026-01-01", "2026-01-03", 3, &["2026-01-04"]),
            // 二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，
            // 共9天。2月14日（周六）、2月28日（周六）上班。
            a(
                SPRING_FESTIVAL,
                "2026-02-15",
                "2026-02-23",
                9,
                &["2026-02-14", "2026-02-28"],
            ),
            // 三、清明节：4月4日（周六）至6日（周一）放假，共3天。
            a(QINGMING, "2026-04-04", "2026-04-06", 3, &[]),
            // 四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
            a(LABOUR_DAY, "2026-05-01", "2026-05-05", 5, &["2026-05-09"]),
            // 五、端午节：6月19日（周五）至21日（周日）放假，共3天。
            a(DRAGON_BOAT, "2026-06-19", "2026-06-21", 3, &[]),
            // 六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
            a(MID_AUTUMN, "2026-09-25", "2026-09-27", 3, &[]),
            // 七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
            a(
                NATIONAL_DAY,
                "2026-10-01",
                "2026-10-07",
                7,
                &["2026-09-20", "2026-10-10"],
            ),
        ],
    },
];

/// One shipped day: its date, kind and the festival it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShippedDay {
    pub day: NaiveDate,
    pub kind: DayKind,
    pub festival: Festival,
}

impl ShippedDay {
    /// The note written with the day: "春节", or "春节调休上班" for a weekend day worked.
    pub fn note_zh(&self) -> String {
        match self.kind {
            DayKind::Holiday => self.festival.zh.to_owned(),
            DayKind::Workday => format!("{}调休上班", self.festival.zh),
        }
    }
    pub fn note_en(&self) -> String {
        match self.kind {
            DayKind::Holiday => self.festival.en.to_owned(),
            DayKind::Workday => format!("{}: adjusted working day", self.festival.en),
        }
    }
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Every shipped day, in date order. (A date that does not parse is a bug the tests catch;
/// it is left out rather than stopping the start.)
pub fn days() -> Vec<ShippedDay> {
    let mut out = Vec::new();
    for notice in NOTICES {
        for arr in notice.arrangements {
            if let (Some(from), Some(to)) = (date(arr.off.0), date(arr.off.1)) {
                let mut d = from;
                while d <= to {
                    out.push(ShippedDay {
                        day: d,
                        kind: DayKind::Holiday,
                        festival: arr.festival,
                    });
                    d += Duration::days(1);
                }
            }
            for w in arr.work.iter().filter_map(|w| date(w)) {
                out.push(ShippedDay {
                    day: w,
                    kind: DayKind::Workday,
                    festival: arr.festival,
                });
            }
        }
    }
    out.sort_by_key(|d| d.day);
    out
}

/// The shipped days of one calendar year (by the day's own date: 31 December 2022 is in
/// the 2023 notice and in year 2022).
pub fn days_of(year: i32) -> Vec<ShippedDay> {
    days()
        .into_iter()
        .filter(|d| d.day.year() == year)
        .collect()
}

/// The calendar years the shipped notices cover.
pub fn years() -> Vec<i32> {
    let mut ys: Vec<i32> = NOTICES.iter().map(|n| n.year).collect();
    ys.sort_unstable();
    ys.dedup();
    ys
}

/// The shipped day on `day`, if any.
pub fn shipped(day: NaiveDate) -> Option<ShippedDay> {
    days().into_iter().find(|d| d.day == day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;
    use std::collections::HashSet;

    fn is_weekend(d: NaiveDate) -> bool {
        matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    #[test]
    fn every_date_parses_and_every_range_counts_what_the_notice_says() {
        for n in NOTICES {
            for arr in n.arrangements {
                let (from, to) = (date(arr.off.0).unwrap(), date(arr.off.1).unwrap());
                assert_eq!(
                    (to - from).num_days() + 1,
                    arr.days,
                    "{} {} {:?}",
                    n.year,
                    arr.festival.zh,
                    arr.off
                );
                for w in arr.work {
                    let w = date(w).unwrap_or_else(|| panic!("{w}"));
                    assert!(is_weekend(w), "{w} is worked but is not a weekend day");
                }
            }
        }
    }

    #[test]
    fn no_day_is_listed_twice() {
        let all = days();
        let distinct: HashSet<NaiveDate> = all.iter().map(|d| d.day).collect();
        assert_eq!(all.len(), distinct.len());
    }

    #[test]
    fn the_years_and_their_counts() {
        assert_eq!(years(), (2020..=2026).collect::<Vec<_>>());
        let count = |y: i32, k: DayKind| days_of(y).iter().filter(|d| d.kind == k).count();
        // Days off as the notices list them (2022 includes 31 December, from the 2023
        // notice), and weekend days worked.
        let expected = [
            (2020, 30, 6),
            (2021, 31, 7),
            (2022, 32, 7),
            (2023, 26, 7),
            (2024, 28, 8),
            (2025, 28, 5),
            (2026, 33, 6),
        ];
        for (y, off, worked) in expected {
            assert_eq!(count(y, DayKind::Holiday), off, "{y} off");
            assert_eq!(count(y, DayKind::Workday), worked, "{y} worked");
        }
    }

    #[test]
    fn statutory_holidays_fall_within_the_ranges() {
        // The fixed-date holidays: 1 January, 1-3 May until 2024 (1-2 May from 2025), 1-3
        // October; each must be a day off in every shipped year.
        for y in years() {
            for (m, d) in [(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)] {
                let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
                assert_eq!(
                    shipped(day).map(|s| s.kind),
                    Some(DayKind::Holiday),
                    "{day}"
                );
            }
        }
    }
}
