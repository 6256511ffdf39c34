use std::collections::{HashMap, HashSet};
use std::time::Instant;

use lianxin_types::{IdNumber, Phone, Uscc};

use super::*;

fn kinds(d: &DemoDistrict) -> HashMap<&str, &'static str> {
    d.units.iter().map(|u| (u.code.as_str(), u.kind)).collect()
}

fn count(d: &DemoDistrict, kind: &str) -> usize {
    d.units.iter().filter(|u| u.kind == kind).count()
}

#[test]
fn counts() {
    let d = generate();
    assert_eq!(count(&d, "district"), 1);
    assert_eq!(count(&d, "subdistrict"), 5);
    assert_eq!(count(&d, "town"), 1);
    assert_eq!(count(&d, "task_force"), 36);
    assert_eq!(count(&d, "service_team"), 162);
    assert_eq!(count(&d, "inspection_group"), 5);
    assert_eq!(count(&d, "department"), 22);
    assert_eq!(d.enterprises.len(), 300);
    let cadres = d.people.iter().filter(|p| p.is_cadre).count();
    assert!((230..=280).contains(&cadres), "{cadres} cadres");
    assert_eq!(d.people.iter().filter(|p| p.is_volunteer).count(), 200);
    assert_eq!(d.people.iter().filter(|p| p.is_contact).count(), 300);
    let per_enterprise: HashMap<&str, usize> = d
        .people
        .iter()
        .filter_map(|p| p.enterprise_uscc.as_deref())
        .fold(HashMap::new(), |mut m, u| {
            *m.entry(u).or_default() += 1;
            m
        });
    assert_eq!(per_enterprise.len(), 300);
    assert!(per_enterprise.values().all(|n| (4..=9).contains(n)));
}

#[test]
fn fixed_layout() {
    let d = generate();
    let names: Vec<(&str, &str)> = d
        .units
        .iter()
        .filter(|u| matches!(u.kind, "district" | "subdistrict" | "town"))
        .map(|u| (u.code.as_str(), u.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("410106", "上街区"),
            ("410106001", "济源路街道"),
            ("410106002", "新安路街道"),
            ("410106003", "中心路街道"),
            ("410106004", "工业路街道"),
            ("410106005", "矿山街道"),
            ("410106100", "峡窝镇"),
        ]
    );
    let by_code: HashMap<&str, &DemoUnit> = d.units.iter().map(|u| (u.code.as_str(), u)).collect();
    for u in &d.units {
        let parent = u.parent_code.as_deref();
        match u.kind {
            "community" => {
                assert_eq!(by_code[parent.unwrap()].kind, "subdistrict");
                assert!(u.name.ends_with("社区"));
            }
            "village" => {
                assert_eq!(parent, Some("410106100"));
                assert!(u.name.ends_with('村'));
            }
            "group" => assert_eq!(by_code[parent.unwrap()].kind, "village"),
            "department" | "task_force" => assert_eq!(parent, Some("410106")),
            "service_team" => assert_eq!(by_code[parent.unwrap()].kind, "task_force"),
            "inspection_group" => assert_eq!(by_code[parent.unwrap()].name, "区纪委监委"),
            _ => {}
        }
        if matches!(u.kind, "community" | "village" | "group") {
            let p = parent.unwrap();
            assert!(
                u.code.starts_with(p) && u.code.len() == p.len() + 3,
                "{}",
                u.code
            );
        }
    }
    for sub in d.units.iter().filter(|u| u.kind == "subdistrict") {
        let n = d
            .units
            .iter()
            .filter(|u| u.parent_code.as_deref() == Some(sub.code.as_str()))
            .count();
        assert!((4..=8).contains(&n), "{} has {n} communities", sub.name);
    }
    for v in d.units.iter().filter(|u| u.kind == "village") {
        let n = d
            .units
            .iter()
            .filter(|u| u.parent_code.as_deref() == Some(v.code.as_str()))
            .count();
        assert!((2..=4).contains(&n), "{} has {n} groups", v.name);
    }
    let tf: Vec<&str> = d
        .units
        .iter()
        .filter(|u| u.kind == "task_force")
        .map(|u| u.code.as_str())
        .collect();
    let expected: Vec<String> = (1..=36).map(|i| format!("410106-T{i:02}")).collect();
    assert_eq!(tf, expected);
    let st: Vec<&str> = d
        .units
        .iter()
        .filter(|u| u.kind == "service_team")
        .map(|u| u.code.as_str())
        .collect();
    let expected: Vec<String> = (1..=162).map(|i| format!("410106-S{i:03}")).collect();
    assert_eq!(st, expected);
    let tf_names: HashSet<&str> = d
        .units
        .iter()
        .filter(|u| u.kind == "task_force")
        .map(|u| u.name.as_str())
        .collect();
    assert_eq!(tf_names.len(), 36);
    for name in [
        "铝精深加工行业服务专班",
        "装备制造行业服务专班",
        "通用航空行业服务专班",
    ] {
        assert!(tf_names.contains(name), "{name}");
    }
}

#[test]
fn deterministic() {
    assert_eq!(generate(), generate());
}

#[test]
fn unique_identifiers() {
    let d = generate();
    let units: HashSet<&str> = d.units.iter().map(|u| u.code.as_str()).collect();
    assert_eq!(units.len(), d.units.len());
    let ids: HashSet<&str> = d.people.iter().map(|p| p.id_number.as_str()).collect();
    assert_eq!(ids.len(), d.people.len());
    let phones: HashSet<&str> = d.people.iter().map(|p| p.phone.as_str()).collect();
    assert_eq!(phones.len(), d.people.len());
    let usccs: HashSet<&str> = d.enterprises.iter().map(|e| e.uscc.as_str()).collect();
    assert_eq!(usccs.len(), d.enterprises.len());
    let names: HashSet<&str> = d.enterprises.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names.len(), d.enterprises.len());
}

#[test]
fn parents_come_first() {
    let d = generate();
    let mut seen = HashSet::new();
    for u in &d.units {
        if let Some(p) = &u.parent_code {
            assert!(
                seen.contains(p.as_str()),
                "{} before its parent {p}",
                u.code
            );
        } else {
            assert_eq!(u.kind, "district");
        }
        seen.insert(u.code.as_str());
    }
}

#[test]
fn references_resolve() {
    let d = generate();
    let kinds = kinds(&d);
    let usccs: HashSet<&str> = d.enterprises.iter().map(|e| e.uscc.as_str()).collect();
    for e in &d.enterprises {
        assert!(
            matches!(
                kinds.get(e.unit_code.as_str()),
                Some(&"subdistrict" | &"town")
            ),
            "{}",
            e.name
        );
        let team = e.service_team_code.as_deref().expect("paired with a team");
        assert_eq!(kinds.get(team), Some(&"service_team"));
        let contact = d
            .people
            .iter()
            .find(|p| p.is_contact && p.enterprise_uscc.as_deref() == Some(e.uscc.as_str()))
            .expect("contact");
        assert_eq!(
            (&contact.name, &contact.phone),
            (&e.contact_name, &e.contact_phone)
        );
        assert!((5..=2000).contains(&e.employee_count));
    }
    for p in &d.people {
        assert!(kinds.contains_key(p.unit_code.as_str()), "{}", p.unit_code);
        if let Some(u) = &p.enterprise_uscc {
            assert!(usccs.contains(u.as_str()));
            assert!(p.is_employee);
        }
        if p.is_contact {
            assert!(p.is_employee);
        }
        if p.is_volunteer {
            assert_eq!(kinds[p.unit_code.as_str()], "community");
        }
        if p.is_cadre {
            assert!(p.position.is_some() && p.rank.is_some());
            let career = p.career.as_deref().unwrap();
            assert!(career.lines().any(|l| l.contains("至今")), "{career}");
            assert!(p.expertise.is_some() && p.traits.is_some());
        } else {
            assert!(p.position.is_none() && p.career.is_none());
        }
    }
    // Every task force leads teams that serve at least one enterprise.
    let served: HashSet<&str> = d
        .enterprises
        .iter()
        .filter_map(|e| e.service_team_code.as_deref())
        .collect();
    let parent_of: HashMap<&str, &str> = d
        .units
        .iter()
        .filter_map(|u| Some((u.code.as_str(), u.parent_code.as_deref()?)))
        .collect();
    let tfs: HashSet<&str> = served.iter().map(|t| parent_of[t]).collect();
    assert_eq!(tfs.len(), 36);
}

#[test]
fn identifiers_validate() {
    let d = generate();
    let cutoff = chrono::NaiveDate::from_ymd_opt(2020, 3, 1).unwrap();
    for p in &d.people {
        IdNumber::parse(&p.id_number).unwrap_or_else(|e| panic!("{}: {e:?}", p.id_number));
        Phone::parse(&p.phone).unwrap_or_else(|e| panic!("{}: {e:?}", p.phone));
        let digit = p.id_number.as_bytes()[16] - b'0';
        let expected = if digit % 2 == 1 { "male" } else { "female" };
        assert_eq!(p.gender, expected, "{}", p.id_number);
        let birth = chrono::NaiveDate::parse_from_str(&p.id_number[6..14], "%Y%m%d").unwrap();
        let age = cutoff.years_since(birth).unwrap();
        assert!((20..=65).contains(&age), "{} is {age}", p.id_number);
        assert!(matches!(&p.phone[..2], "13" | "15" | "18"));
    }
    for e in &d.enterprises {
        Uscc::parse(&e.uscc).unwrap_or_else(|err| panic!("{}: {err:?}", e.uscc));
        assert!(e.uscc.starts_with("91410106"), "{}", e.uscc);
        assert_eq!(
            Uscc::org_code_check_char(&e.uscc[8..16]),
            e.uscc[16..17].chars().next()
        );
        Phone::parse(&e.contact_phone).unwrap();
    }
    let local = d
        .people
        .iter()
        .filter(|p| p.id_number.starts_with("410106"))
        .count();
    assert!(
        local * 10 > d.people.len() * 7,
        "{local} local of {}",
        d.people.len()
    );
    assert!(d.people.iter().any(|p| !p.id_number.starts_with("41")));
}

#[test]
fn shares_are_plausible() {
    let d = generate();
    let n = d.enterprises.len();
    let party = d.enterprises.iter().filter(|e| e.has_party_org).count();
    assert!(
        (n * 20 / 100..=n * 42 / 100).contains(&party),
        "{party} with Party org"
    );
    let key = d.enterprises.iter().filter(|e| e.key_project).count();
    assert!(
        (n * 5 / 100..=n * 16 / 100).contains(&key),
        "{key} key projects"
    );
    let private = d
        .enterprises
        .iter()
        .filter(|e| e.ownership == "private")
        .count();
    assert!(private * 2 > n);
    for o in [
        "state_owned",
        "collective",
        "foreign",
        "hk_macau_taiwan",
        "individual",
    ] {
        assert!(d.enterprises.iter().any(|e| e.ownership == o), "{o}");
    }
    let members = d.people.iter().filter(|p| p.party_member).count();
    assert!(members * 10 > d.people.len() && members * 2 < d.people.len());
    let aluminium = d
        .enterprises
        .iter()
        .filter(|e| e.industry == "铝精深加工")
        .count();
    assert!(aluminium >= 20, "{aluminium} aluminium enterprises");
}

#[test]
fn seed_enterprise_present() {
    let d = generate();
    let e = d
        .enterprises
        .iter()
        .find(|e| e.name == "郑州长城科工贸有限公司")
        .expect("seed enterprise");
    assert_eq!(e.unit_code, "410106004");
}

#[test]
fn fast() {
    generate();
    let start = Instant::now();
    generate();
    let elapsed = start.elapsed();
    // The budget is 100 ms; allow slack for unoptimised test builds on a loaded machine.
    assert!(elapsed.as_millis() < 500, "{elapsed:?}");
}
