//! The deterministic demo district: Shangjie (上街区, Zhengzhou, code 410106) as plain data.
//!
//! [`generate`] builds the district's units (sub-districts, town, communities, villages and
//! village groups, functional departments, the 36 industry service task forces, the 162
//! Party-member service teams and the five supervision inspection groups), about 300
//! enterprises, and the people: cadres, community volunteers, and each enterprise's contact and
//! employees. No IO, no database: callers load the data wherever they need it.
//!
//! The output is the same on every call and every platform (ChaCha8 with a fixed seed, integer
//! sampling only). Identity numbers, credit codes and phone numbers are valid and unique; their
//! check characters come from `lianxin-types`.

mod tables;

use std::collections::HashSet;

use chrono::{Datelike, Days, NaiveDate};
use lianxin_types::{IdNumber, Uscc};
use rand::distributions::WeightedIndex;
use rand::prelude::*;
use rand_chacha::ChaCha8Rng;

use tables::{
    BRAND_CHARS, CAREER_UNITS, DEPARTMENTS, EXPERTISE, FEMALE_GIVEN, INDUSTRIES, INSPECTION_GROUPS,
    MALE_GIVEN, OTHER_REGIONS, PHONE_PREFIXES, SURNAMES, TOWNSHIPS, TRAITS, ZHENGZHOU_REGIONS,
    cn_number,
};

/// The fixed seed: the district code and the date the demo is set on (2020-03-01).
const SEED: u64 = 0x0041_0106_2020_0301;

/// District code of 上街区.
const DISTRICT_CODE: &str = "410106";

/// Number of enterprises generated.
const ENTERPRISE_COUNT: usize = 300;

/// Number of community volunteers generated.
const VOLUNTEER_COUNT: usize = 200;

/// The seed's enterprise (C2: permits coordinated on the spot on 19 March).
const SEED_ENTERPRISE: &str = "郑州长城科工贸有限公司";

/// An organisational unit. `kind` is one of "district", "subdistrict", "town", "community",
/// "village", "group", "department", "task_force", "service_team", "inspection_group".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUnit {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub parent_code: Option<String>,
}

/// A person. `gender` ("male" / "female") agrees with the identity number's 17th digit.
/// Cadres have `position`, `rank`, `career` (工作履历, one "YYYY.MM-YYYY.MM 单位职务" line per
/// post, newline-separated, the last ending "至今"), `expertise` (专长) and `traits` (个性特点);
/// others have `None` there. Employees and contacts carry their enterprise's credit code;
/// their `unit_code` is the enterprise's sub-district or town.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPerson {
    pub name: String,
    pub gender: &'static str,
    pub id_number: String,
    pub phone: String,
    pub unit_code: String,
    pub party_member: bool,
    pub is_cadre: bool,
    pub is_volunteer: bool,
    pub is_employee: bool,
    pub is_contact: bool,
    pub enterprise_uscc: Option<String>,
    pub position: Option<String>,
    pub rank: Option<String>,
    pub career: Option<String>,
    pub expertise: Option<String>,
    pub traits: Option<String>,
}

/// An enterprise. `unit_code` is its sub-district or town; `ownership` is one of
/// "state_owned", "collective", "private", "foreign", "hk_macau_taiwan", "individual";
/// `contact_name`/`contact_phone` are those of its contact person in [`DemoDistrict::people`];
/// `service_team_code` is the Party-member service team paired with it (驻企结对).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoEnterprise {
    pub name: String,
    pub uscc: String,
    pub industry: String,
    pub unit_code: String,
    pub ownership: &'static str,
    pub address: String,
    pub legal_rep: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub employee_count: i32,
    pub has_party_org: bool,
    pub key_project: bool,
    pub service_team_code: Option<String>,
}

/// The whole demo district. `units` are in parent-before-child order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDistrict {
    pub units: Vec<DemoUnit>,
    pub people: Vec<DemoPerson>,
    pub enterprises: Vec<DemoEnterprise>,
}

/// The district's own industries (the 36 of its task forces), as (中文, English), in the
/// order of its task forces: the demo adds them to the dictionary's industries.
pub fn industries() -> Vec<(&'static str, &'static str)> {
    INDUSTRIES
        .iter()
        .zip(tables::INDUSTRY_NAMES_EN)
        .map(|(i, en)| (i.name, en))
        .collect()
}

/// Generates the demo district. Deterministic: every call returns the same data.
pub fn generate() -> DemoDistrict {
    let mut g = Gen::new();
    let layout = g.units();
    g.cadres(&layout);
    g.volunteers(&layout);
    g.enterprises(&layout);
    DemoDistrict {
        units: g.units,
        people: g.people,
        enterprises: g.enterprises,
    }
}

/// Codes of units the people and enterprises are attached to.
struct Layout {
    /// Sub-districts and the town, in `TOWNSHIPS` order.
    townships: Vec<String>,
    communities: Vec<String>,
    /// Departments, in `DEPARTMENTS` order.
    departments: Vec<String>,
    inspection_groups: Vec<String>,
    /// Task forces, in `INDUSTRIES` order.
    task_forces: Vec<String>,
    /// Service teams (code, name) per task force.
    teams: Vec<Vec<(String, String)>>,
}

struct Gen {
    rng: ChaCha8Rng,
    ids: HashSet<String>,
    phones: HashSet<String>,
    usccs: HashSet<String>,
    enterprise_names: HashSet<String>,
    units: Vec<DemoUnit>,
    people: Vec<DemoPerson>,
    enterprises: Vec<DemoEnterprise>,
}

/// Name, gender, identity number, phone and birth date of a new person.
struct Identity {
    name: String,
    gender: &'static str,
    id_number: String,
    phone: String,
    birth: NaiveDate,
}

/// A cadre's post: where, what, and the task-force or team role held alongside it.
struct Post<'a> {
    unit_code: &'a str,
    position: String,
    rank: &'static str,
    /// The substantive post as it appears in the career history ("区财政局副局长").
    home_post: String,
    /// A concurrent role since February 2020 ("铝精深加工第三党员服务队队长").
    concurrent: Option<String>,
}

impl Gen {
    fn new() -> Self {
        Gen {
            rng: ChaCha8Rng::seed_from_u64(SEED),
            ids: HashSet::new(),
            phones: HashSet::new(),
            usccs: HashSet::new(),
            enterprise_names: HashSet::new(),
            units: Vec::new(),
            people: Vec::new(),
            enterprises: Vec::new(),
        }
    }

    fn unit(&mut self, code: String, name: String, kind: &'static str, parent: Option<&str>) {
        self.units.push(DemoUnit {
            code,
            name,
            kind,
            parent_code: parent.map(str::to_string),
        });
    }

    fn units(&mut self) -> Layout {
        self.unit(DISTRICT_CODE.into(), "上街区".into(), "district", None);
        let townships: Vec<String> = TOWNSHIPS
            .iter()
            .map(|t| format!("{DISTRICT_CODE}{}", t.suffix))
            .collect();
        for (t, code) in TOWNSHIPS.iter().zip(&townships) {
            self.unit(code.clone(), t.name.into(), t.kind, Some(DISTRICT_CODE));
        }
        let mut communities = Vec::new();
        for (t, code) in TOWNSHIPS.iter().zip(&townships) {
            for (i, child) in t.children.iter().enumerate() {
                if t.kind == "town" {
                    // Village committees are numbered from 201 (GB/T 10114), communities from 001.
                    let village = format!("{code}{:03}", 201 + i);
                    self.unit(village.clone(), (*child).into(), "village", Some(code));
                    let groups = self.rng.gen_range(2..=4);
                    for k in 1..=groups {
                        self.unit(
                            format!("{village}{k:03}"),
                            format!("{child}第{}村民组", cn_number(k)),
                            "group",
                            Some(&village),
                        );
                    }
                } else {
                    let community = format!("{code}{:03}", i + 1);
                    self.unit(community.clone(), (*child).into(), "community", Some(code));
                    communities.push(community);
                }
            }
        }
        let departments: Vec<String> = (1..=DEPARTMENTS.len())
            .map(|i| format!("{DISTRICT_CODE}-D{i:02}"))
            .collect();
        for (name, code) in DEPARTMENTS.iter().zip(&departments) {
            self.unit(
                code.clone(),
                (*name).into(),
                "department",
                Some(DISTRICT_CODE),
            );
        }
        let discipline = departments.last().expect("departments").clone();
        let inspection_groups: Vec<String> = (1..=INSPECTION_GROUPS.len())
            .map(|i| format!("{DISTRICT_CODE}-G{i:02}"))
            .collect();
        for (name, code) in INSPECTION_GROUPS.iter().zip(&inspection_groups) {
            self.unit(
                code.clone(),
                (*name).into(),
                "inspection_group",
                Some(&discipline),
            );
        }
        let task_forces: Vec<String> = (1..=INDUSTRIES.len())
            .map(|i| format!("{DISTRICT_CODE}-T{i:02}"))
            .collect();
        for (ind, code) in INDUSTRIES.iter().zip(&task_forces) {
            let name = format!("{}行业服务专班", ind.name);
            self.unit(code.clone(), name, "task_force", Some(DISTRICT_CODE));
        }
        let mut teams = Vec::new();
        let mut serial = 0;
        for (ind, tf) in INDUSTRIES.iter().zip(&task_forces) {
            let mut list = Vec::new();
            for k in 1..=ind.teams {
                serial += 1;
                let code = format!("{DISTRICT_CODE}-S{serial:03}");
                let name = format!("{}第{}党员服务队", ind.name, cn_number(k));
                self.unit(code.clone(), name.clone(), "service_team", Some(tf));
                list.push((code, name));
            }
            teams.push(list);
        }
        Layout {
            townships,
            communities,
            departments,
            inspection_groups,
            task_forces,
            teams,
        }
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *items.choose(&mut self.rng).expect("non-empty table")
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.gen_range(0..100) < percent
    }

    fn name(&mut self, male: bool) -> String {
        let surname = if self.chance(60) {
            self.pick(&SURNAMES[..20])
        } else {
            self.pick(&SURNAMES)
        };
        let pool: &[&str] = if male { &MALE_GIVEN } else { &FEMALE_GIVEN };
        let first = self.pick(pool);
        if self.chance(45) {
            format!("{surname}{first}")
        } else {
            let mut second = self.pick(pool);
            while second == first {
                second = self.pick(pool);
            }
            format!("{surname}{first}{second}")
        }
    }

    fn region(&mut self) -> &'static str {
        match self.rng.gen_range(0..100) {
            0..80 => DISTRICT_CODE,
            80..93 => self.pick(&ZHENGZHOU_REGIONS),
            _ => self.pick(&OTHER_REGIONS),
        }
    }

    /// A unique identity number for someone aged `min_age..=max_age` on 2020-03-01.
    fn id_number(&mut self, male: bool, min_age: i32, max_age: i32) -> (String, NaiveDate) {
        let earliest = NaiveDate::from_ymd_opt(2020 - max_age - 1, 3, 2).expect("date");
        let latest = NaiveDate::from_ymd_opt(2020 - min_age, 3, 1).expect("date");
        let span = (latest - earliest).num_days() as u64;
        loop {
            let region = self.region();
            let birth = earliest + Days::new(self.rng.gen_range(0..=span));
            // Odd sequence numbers are men, even ones women; 000 is never issued.
            let seq = if male {
                self.rng.gen_range(0..500) * 2 + 1
            } else {
                self.rng.gen_range(1..500) * 2
            };
            let first17 = format!(
                "{region}{:04}{:02}{:02}{seq:03}",
                birth.year(),
                birth.month(),
                birth.day()
            );
            let check = IdNumber::check_char(&first17).expect("valid identity number body");
            let id = format!("{first17}{check}");
            if self.ids.insert(id.clone()) {
                return (id, birth);
            }
        }
    }

    fn phone(&mut self) -> String {
        loop {
            let prefix = self.pick(&PHONE_PREFIXES);
            let phone = format!("{prefix}{:08}", self.rng.gen_range(0..100_000_000u32));
            if self.phones.insert(phone.clone()) {
                return phone;
            }
        }
    }

    fn identity(&mut self, male_percent: u32, min_age: i32, max_age: i32) -> Identity {
        let male = self.chance(male_percent);
        let name = self.name(male);
        let (id_number, birth) = self.id_number(male, min_age, max_age);
        Identity {
            name,
            gender: if male { "male" } else { "female" },
            id_number,
            phone: self.phone(),
            birth,
        }
    }

    /// A unique credit code: "91" (enterprise, registered with market regulation) + 410106 +
    /// organisation-code body + its GB 11714 check character + the GB 32100 check character.
    fn uscc(&mut self) -> String {
        const BODY: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
        loop {
            let body: String = if self.chance(65) {
                // Codes issued since 2015 begin "MA".
                let tail: String = (0..6)
                    .map(|_| BODY[self.rng.gen_range(0..BODY.len())] as char)
                    .collect();
                format!("MA{tail}")
            } else {
                let lead = self.pick(&['1', '7']);
                format!("{lead}{:07}", self.rng.gen_range(0..10_000_000u32))
            };
            let org = Uscc::org_code_check_char(&body).expect("valid organisation code body");
            let first17 = format!("91{DISTRICT_CODE}{body}{org}");
            let check = Uscc::check_char(&first17).expect("valid credit code body");
            let uscc = format!("{first17}{check}");
            if self.usccs.insert(uscc.clone()) {
                return uscc;
            }
        }
    }

    fn push_cadre(&mut self, post: Post<'_>) {
        let level = match post.rank {
            "正科级" => 2,
            "副科级" => 1,
            _ => 0,
        };
        let (min_age, max_age) = [(25, 50), (30, 55), (36, 58)][level];
        let who = self.identity(72, min_age, max_age);
        let career = self.career(
            who.birth.year(),
            level,
            &post.home_post,
            post.concurrent.as_deref(),
        );
        let mut expertise = vec![self.pick(&EXPERTISE)];
        let second = self.pick(&EXPERTISE);
        if second != expertise[0] {
            expertise.push(second);
        }
        let mut traits = vec![self.pick(&TRAITS)];
        let second = self.pick(&TRAITS);
        if second != traits[0] {
            traits.push(second);
        }
        let party_member = self.chance(88);
        self.people.push(DemoPerson {
            name: who.name,
            gender: who.gender,
            id_number: who.id_number,
            phone: who.phone,
            unit_code: post.unit_code.to_string(),
            party_member,
            is_cadre: true,
            is_volunteer: false,
            is_employee: false,
            is_contact: false,
            enterprise_uscc: None,
            position: Some(post.position),
            rank: Some(post.rank.to_string()),
            career: Some(career),
            expertise: Some(expertise.join("、")),
            traits: Some(traits.join("；")),
        });
    }

    /// 工作履历: earlier posts, then the current one ("至今"), then any concurrent role.
    /// `level` is the current post's grade (0 staff, 1 副科级, 2 正科级): earlier posts climb
    /// towards it.
    fn career(
        &mut self,
        birth_year: i32,
        level: usize,
        home_post: &str,
        concurrent: Option<&str>,
    ) -> String {
        const LAST_START: i32 = 2019;
        let start = (birth_year + self.rng.gen_range(22..=24)).min(LAST_START);
        let start_month = if self.chance(80) {
            7
        } else {
            self.rng.gen_range(1..=12)
        };
        let room = (LAST_START - start) as usize;
        let earlier = if room < 3 {
            0
        } else {
            self.rng.gen_range(1..=3).min(room / 3)
        };
        // Years at which each following post began, strictly increasing; the current post
        // began within the last ten years.
        let mut breaks = Vec::with_capacity(earlier);
        if earlier > 0 {
            let last = self
                .rng
                .gen_range((start + 1).max(LAST_START - 9)..=LAST_START);
            let span = (last - start - 1) as usize;
            breaks = rand::seq::index::sample(&mut self.rng, span, (earlier - 1).min(span))
                .into_iter()
                .map(|k| start + 1 + k as i32)
                .collect();
            breaks.sort_unstable();
            breaks.push(last);
        }
        let mut lines = Vec::new();
        let (mut year, mut month) = (start, start_month);
        let n = breaks.len();
        for (k, &next) in breaks.iter().enumerate() {
            let next_month = self.rng.gen_range(1..=12);
            let (unit, titles) = self.pick(&CAREER_UNITS);
            // The first post is an entry post; later ones climb to one grade below the current.
            let stage = if k == 0 {
                0
            } else {
                level.min(2).saturating_sub(n - 1 - k)
            };
            lines.push(format!(
                "{year}.{month:02}-{next}.{next_month:02} {unit}{}",
                titles[stage]
            ));
            (year, month) = (next, next_month);
        }
        lines.push(format!("{year}.{month:02}-至今 {home_post}"));
        if let Some(role) = concurrent {
            lines.push(format!("2020.02-至今 兼任{role}"));
        }
        lines.join("\n")
    }

    fn cadres(&mut self, layout: &Layout) {
        // Leaders of the sub-districts and the town.
        for (t, code) in TOWNSHIPS.iter().zip(&layout.townships) {
            let titles: [&str; 2] = if t.kind == "town" {
                ["党委书记", "镇长"]
            } else {
                ["党工委书记", "办事处主任"]
            };
            for title in titles {
                self.push_cadre(Post {
                    unit_code: code,
                    position: title.into(),
                    rank: "正科级",
                    home_post: format!("{}{title}", t.name),
                    concurrent: None,
                });
            }
        }
        // Department leaders: the head, a deputy, and a section chief in the Party organs.
        for (name, code) in DEPARTMENTS.iter().zip(&layout.departments) {
            let (head, deputy) = department_titles(name);
            let mut posts = vec![(head.to_string(), "正科级"), (deputy.to_string(), "副科级")];
            if name.starts_with('区') {
                let section = if name.contains("纪委") {
                    "案件审理室主任"
                } else {
                    "干部科科长"
                };
                posts.push((section.to_string(), "正科级"));
            }
            for (position, rank) in posts {
                let home_post = format!("{}{position}", department_prefix(name));
                self.push_cadre(Post {
                    unit_code: code,
                    position,
                    rank,
                    home_post,
                    concurrent: None,
                });
            }
        }
        // Supervision inspection groups: a leader and a member each, from the discipline body.
        for (name, code) in INSPECTION_GROUPS.iter().zip(&layout.inspection_groups) {
            for (position, rank, home) in [
                ("组长", "正科级", "区纪委监委纪检监察室主任"),
                ("组员", "一级主任科员", "区纪委监委纪检监察室一级主任科员"),
            ] {
                self.push_cadre(Post {
                    unit_code: code,
                    position: position.into(),
                    rank,
                    home_post: home.into(),
                    concurrent: Some(format!("{name}{position}")),
                });
            }
        }
        // Task forces are led by department leaders; service teams by department staff.
        for (i, ind) in INDUSTRIES.iter().enumerate() {
            let dept = self.pick(&DEPARTMENTS[..20]);
            let (head, deputy) = department_titles(dept);
            let (title, rank) = if self.chance(40) {
                (head, "正科级")
            } else {
                (deputy, "副科级")
            };
            let tf_name = format!("{}行业服务专班", ind.name);
            self.push_cadre(Post {
                unit_code: &layout.task_forces[i],
                position: "专班负责人".into(),
                rank,
                home_post: format!("区{dept}{title}"),
                concurrent: Some(format!("{tf_name}负责人")),
            });
            for (code, team) in &layout.teams[i] {
                let dept = self.pick(&DEPARTMENTS[..20]);
                let (title, rank) = self.pick(&[
                    ("科员", "一级科员"),
                    ("四级主任科员", "四级主任科员"),
                    ("三级主任科员", "三级主任科员"),
                    ("股长", "二级主任科员"),
                    ("副科长", "副科级"),
                ]);
                self.push_cadre(Post {
                    unit_code: code,
                    position: "队长".into(),
                    rank,
                    home_post: format!("区{dept}{title}"),
                    concurrent: Some(format!("{team}队长")),
                });
            }
        }
    }

    fn volunteers(&mut self, layout: &Layout) {
        for i in 0..VOLUNTEER_COUNT {
            let who = self.identity(50, 20, 65);
            let party_member = self.chance(40);
            let unit_code = layout.communities[i % layout.communities.len()].clone();
            self.people
                .push(plain_person(who, unit_code, party_member, false, None));
            self.people.last_mut().expect("pushed").is_volunteer = true;
        }
    }

    fn enterprises(&mut self, layout: &Layout) {
        let weights = WeightedIndex::new(INDUSTRIES.iter().map(|i| i.weight)).expect("weights");
        let mut next_team = vec![0usize; INDUSTRIES.len()];
        for n in 0..ENTERPRISE_COUNT {
            // Every industry gets at least one enterprise; the seed's company comes first.
            let industry = if n < INDUSTRIES.len() {
                n
            } else {
                weights.sample(&mut self.rng)
            };
            let ind = &INDUSTRIES[industry];
            let township = if n == 0 {
                3 // 工业路街道
            } else if ind.manufacturing {
                self.pick(&[3, 3, 3, 5, 5, 1, 1, 4])
            } else {
                self.pick(&[0, 0, 1, 1, 2, 2, 2, 3, 4, 5])
            };
            let ownership = if n == 0 {
                "private"
            } else {
                match self.rng.gen_range(0..100) {
                    0..6 => "state_owned",
                    6..10 => "collective",
                    10..14 => "foreign",
                    14..17 => "hk_macau_taiwan",
                    17..22 => "individual",
                    _ => "private",
                }
            };
            let name = if n == 0 {
                self.enterprise_names.insert(SEED_ENTERPRISE.into());
                SEED_ENTERPRISE.to_string()
            } else {
                self.enterprise_name(ind.words, ind.manufacturing, ownership)
            };
            let employee_count = if n == 0 {
                260
            } else {
                match (ownership, self.rng.gen_range(0..100)) {
                    ("individual", _) => self.rng.gen_range(5..=30),
                    (_, 0..50) => self.rng.gen_range(5..50),
                    (_, 50..80) => self.rng.gen_range(50..200),
                    (_, 80..95) => self.rng.gen_range(200..800),
                    _ => self.rng.gen_range(800..=2000),
                }
            };
            let party_percent = match (ownership, employee_count) {
                ("state_owned" | "collective", _) => 90,
                (_, 200..) => 60,
                (_, 50..) => 30,
                _ => 12,
            };
            let has_party_org = n == 0 || self.chance(party_percent);
            let key_project = n != 0 && self.chance(if employee_count >= 200 { 28 } else { 8 });
            let t = &TOWNSHIPS[township];
            let address = if t.roads.is_empty() {
                let village = self.pick(t.children);
                format!(
                    "河南省郑州市上街区{}{village}{}号",
                    t.name,
                    self.rng.gen_range(1..=120)
                )
            } else {
                let road = self.pick(t.roads);
                format!("河南省郑州市上街区{road}{}号", self.rng.gen_range(1..=300))
            };
            let legal_male = self.chance(80);
            let legal_rep = self.name(legal_male);
            let uscc = self.uscc();
            let unit_code = layout.townships[township].clone();
            let teams = &layout.teams[industry];
            let team = teams[next_team[industry] % teams.len()].0.clone();
            next_team[industry] += 1;

            let contact = self.identity(55, 24, 58);
            let (contact_name, contact_phone) = (contact.name.clone(), contact.phone.clone());
            let party_share = if has_party_org { 45 } else { 6 };
            let party = self.chance(party_share);
            self.people.push(plain_person(
                contact,
                unit_code.clone(),
                party,
                true,
                Some(uscc.clone()),
            ));
            let staff = self.rng.gen_range(3..=8);
            let mut any_party = party;
            for k in 0..staff {
                let who = self.identity(58, 20, 58);
                // An enterprise Party organisation needs members among the staff.
                let party =
                    (has_party_org && !any_party && k + 1 == staff) || self.chance(party_share);
                any_party |= party;
                self.people.push(plain_person(
                    who,
                    unit_code.clone(),
                    party,
                    false,
                    Some(uscc.clone()),
                ));
            }

            self.enterprises.push(DemoEnterprise {
                name,
                uscc,
                industry: ind.name.to_string(),
                unit_code,
                ownership,
                address,
                legal_rep,
                contact_name,
                contact_phone,
                employee_count,
                has_party_org,
                key_project,
                service_team_code: Some(team),
            });
        }
    }

    fn enterprise_name(&mut self, words: &[&str], manufacturing: bool, ownership: &str) -> String {
        loop {
            let a = self.pick(&BRAND_CHARS);
            let mut b = self.pick(&BRAND_CHARS);
            while b == a {
                b = self.pick(&BRAND_CHARS);
            }
            let word = self.pick(words);
            let name = match ownership {
                "state_owned" => format!("郑州上街{a}{b}{word}有限责任公司"),
                "collective" if manufacturing => format!("郑州市上街区{a}{b}{word}厂"),
                "individual" if manufacturing => format!("郑州市上街区{a}{b}{word}加工厂"),
                "individual" => format!("郑州市上街区{a}{b}{word}经营部"),
                _ => match self.rng.gen_range(0..100) {
                    0..70 => format!("郑州{a}{b}{word}有限公司"),
                    70..85 => format!("郑州{a}{b}{word}股份有限公司"),
                    _ => format!("河南{a}{b}{word}有限公司"),
                },
            };
            if self.enterprise_names.insert(name.clone()) {
                return name;
            }
        }
    }
}

/// Titles of a department's head and of a deputy.
fn department_titles(name: &str) -> (&'static str, &'static str) {
    if name.ends_with("委员会") {
        ("主任", "副主任")
    } else if name == "区委组织部" {
        ("常务副部长", "副部长")
    } else if name == "区纪委监委" {
        ("副书记", "常委")
    } else {
        ("局长", "副局长")
    }
}

/// How a department is written in a career line ("区财政局", "区委组织部").
fn department_prefix(name: &str) -> String {
    if name.starts_with('区') {
        name.to_string()
    } else {
        format!("区{name}")
    }
}

/// A volunteer, employee or contact: no cadre fields.
fn plain_person(
    who: Identity,
    unit_code: String,
    party_member: bool,
    is_contact: bool,
    enterprise_uscc: Option<String>,
) -> DemoPerson {
    DemoPerson {
        name: who.name,
        gender: who.gender,
        id_number: who.id_number,
        phone: who.phone,
        unit_code,
        party_member,
        is_cadre: false,
        is_volunteer: false,
        is_employee: enterprise_uscc.is_some(),
        is_contact,
        enterprise_uscc,
        position: None,
        rank: None,
        career: None,
        expertise: None,
        traits: None,
    }
}

#[cfg(test)]
mod tests;
