//! Fixed vocabularies the generator draws from: place names, departments, industries, Chinese names.

/// Sub-districts (街道) and the town (镇) with their codes' last three digits, roads (for
/// addresses) and the communities or villages under them.
pub(crate) struct Township {
    pub name: &'static str,
    pub suffix: &'static str,
    pub kind: &'static str,
    pub roads: &'static [&'static str],
    pub children: &'static [&'static str],
}

pub(crate) const TOWNSHIPS: [Township; 6] = [
    Township {
        name: "济源路街道",
        suffix: "001",
        kind: "subdistrict",
        roads: &["济源路", "登封路", "许昌路", "安阳路"],
        children: &[
            "济源路社区",
            "登封路社区",
            "朝阳社区",
            "安阳路社区",
            "许昌路社区",
            "金华社区",
        ],
    },
    Township {
        name: "新安路街道",
        suffix: "002",
        kind: "subdistrict",
        roads: &["新安路", "汝南路", "通航路", "金屏路"],
        children: &[
            "新安路社区",
            "鸿运社区",
            "汝南路社区",
            "宏达社区",
            "通航社区",
        ],
    },
    Township {
        name: "中心路街道",
        suffix: "003",
        kind: "subdistrict",
        roads: &["中心路", "淮阳路", "五一路", "兴安路"],
        children: &[
            "中心路社区",
            "淮阳路社区",
            "兴安社区",
            "五一社区",
            "金屏社区",
            "文化社区",
            "怡和社区",
        ],
    },
    Township {
        name: "工业路街道",
        suffix: "004",
        kind: "subdistrict",
        roads: &["工业路", "洛阳路", "开封路", "周口路"],
        children: &[
            "工业路社区",
            "铝城社区",
            "厂前社区",
            "洛阳路社区",
            "开封路社区",
            "周口路社区",
        ],
    },
    Township {
        name: "矿山街道",
        suffix: "005",
        kind: "subdistrict",
        roads: &["矿山路", "东岭路", "铁路街"],
        children: &["矿山社区", "新矿社区", "铁路社区", "东岭社区"],
    },
    Township {
        name: "峡窝镇",
        suffix: "100",
        kind: "town",
        roads: &[],
        children: &[
            "峡窝村",
            "马固村",
            "冯沟村",
            "柿园村",
            "后真村",
            "石嘴村",
            "宋庄村",
            "安庄村",
        ],
    },
];

/// Functional departments under the district, in code order (D01..). The last one is
/// 区纪委监委, parent of the supervision inspection groups.
pub(crate) const DEPARTMENTS: [&str; 22] = [
    "发展和改革委员会",
    "工业和信息化局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "住房和城乡建设局",
    "市场监督管理局",
    "卫生健康委员会",
    "应急管理局",
    "商务局",
    "交通运输局",
    "城市管理局",
    "行政审批和政务信息管理局",
    "生态环境分局",
    "公安分局",
    "税务局",
    "司法局",
    "教育局",
    "民政局",
    "农业农村局",
    "区委组织部",
    "区纪委监委",
];

pub(crate) const INSPECTION_GROUPS: [&str; 5] = [
    "第一监督检查组",
    "第二监督检查组",
    "第三监督检查组",
    "第四监督检查组",
    "第五监督检查组",
];

/// One industry: its service task force (专班), how many Party-member service teams the task
/// force leads, how often enterprises belong to it, whether it is manufacturing, and the
/// words used in enterprise names.
pub(crate) struct Industry {
    pub name: &'static str,
    pub teams: usize,
    pub weight: u32,
    pub manufacturing: bool,
    pub words: &'static [&'static str],
}

const fn ind(
    name: &'static str,
    teams: usize,
    weight: u32,
    manufacturing: bool,
    words: &'static [&'static str],
) -> Industry {
    Industry {
        name,
        teams,
        weight,
        manufacturing,
        words,
    }
}

/// The industries' English names, in `INDUSTRIES` order.
pub(crate) const INDUSTRY_NAMES_EN: [&str; 36] = [
    "Aluminium processing",
    "Equipment manufacturing",
    "General aviation",
    "New materials",
    "Biomedicine",
    "Modern logistics",
    "Trade and distribution",
    "Catering and lodging",
    "Construction",
    "Refractory materials",
    "Electronics and IT",
    "Auto parts",
    "Energy saving and environment",
    "Food processing",
    "Textiles and garments",
    "Fine chemicals",
    "New building materials",
    "Culture and tourism",
    "Real estate",
    "Financial services",
    "Technology services",
    "Education and training",
    "Health care",
    "Elderly care",
    "E-commerce",
    "Urban agriculture",
    "Printing and packaging",
    "Furniture and home goods",
    "Energy and power",
    "Recycling",
    "Human resources services",
    "Property services",
    "Business consulting",
    "Transport",
    "Sports and fitness",
    "Domestic services",
];

pub(crate) const INDUSTRIES: [Industry; 36] = [
    ind(
        "铝精深加工",
        16,
        40,
        true,
        &["铝业", "铝材", "铝合金科技", "铝制品", "新型铝材", "铝箔"],
    ),
    ind(
        "装备制造",
        14,
        36,
        true,
        &[
            "机械",
            "重工",
            "装备制造",
            "机电设备",
            "精密机械",
            "智能装备",
        ],
    ),
    ind(
        "通用航空",
        9,
        16,
        true,
        &["通用航空", "航空科技", "航空服务", "飞行服务", "航空器材"],
    ),
    ind(
        "新材料",
        8,
        16,
        true,
        &["新材料", "新材料科技", "纳米材料", "复合材料"],
    ),
    ind(
        "生物医药",
        5,
        8,
        true,
        &["生物科技", "医药", "制药", "生物医药"],
    ),
    ind(
        "现代物流",
        5,
        10,
        false,
        &["物流", "供应链管理", "仓储物流", "快运"],
    ),
    ind(
        "商贸流通",
        6,
        12,
        false,
        &["商贸", "贸易", "百货", "商业管理"],
    ),
    ind(
        "餐饮住宿",
        5,
        10,
        false,
        &["餐饮管理", "酒店管理", "餐饮服务", "宾馆"],
    ),
    ind(
        "建筑业",
        5,
        10,
        false,
        &["建筑工程", "建设工程", "建筑安装", "市政工程"],
    ),
    ind(
        "耐火材料",
        4,
        8,
        true,
        &["耐火材料", "耐材", "炉料", "高温材料"],
    ),
    ind(
        "电子信息",
        4,
        6,
        true,
        &["电子科技", "信息技术", "电子", "软件科技"],
    ),
    ind(
        "汽车零部件",
        4,
        6,
        true,
        &["汽车配件", "汽车零部件", "车辆部件", "汽车科技"],
    ),
    ind(
        "节能环保",
        4,
        5,
        true,
        &["环保科技", "节能科技", "环境工程", "环保设备"],
    ),
    ind(
        "食品加工",
        4,
        6,
        true,
        &["食品", "面业", "食品科技", "粮油"],
    ),
    ind("纺织服装", 3, 3, true, &["服饰", "纺织", "制衣"]),
    ind(
        "精细化工",
        3,
        4,
        true,
        &["化工", "化工科技", "涂料", "精细化工"],
    ),
    ind(
        "新型建材",
        4,
        6,
        true,
        &["建材", "新型建材", "水泥制品", "建筑材料"],
    ),
    ind(
        "文化旅游",
        3,
        4,
        false,
        &["文化传媒", "旅游开发", "文化旅游", "旅行社"],
    ),
    ind("房地产", 4, 6, false, &["置业", "房地产开发", "地产"]),
    ind(
        "金融服务",
        3,
        3,
        false,
        &["融资担保", "小额贷款", "投资管理"],
    ),
    ind(
        "科技服务",
        3,
        4,
        false,
        &["科技", "技术服务", "检测技术", "科技咨询"],
    ),
    ind(
        "教育培训",
        3,
        3,
        false,
        &["教育咨询", "职业培训", "教育科技"],
    ),
    ind(
        "医疗健康",
        4,
        4,
        false,
        &["医疗器械", "健康管理", "医疗科技"],
    ),
    ind("养老服务", 3, 2, false, &["养老服务", "康养", "健康养老"]),
    ind("电子商务", 3, 4, false, &["电子商务", "网络科技", "电商"]),
    ind(
        "都市农业",
        4,
        4,
        false,
        &["农业科技", "生态农业", "农业开发"],
    ),
    ind(
        "印刷包装",
        3,
        3,
        true,
        &["印务", "包装", "彩印", "包装材料"],
    ),
    ind("家居制造", 3, 3, true, &["家具", "家居", "木业", "门业"]),
    ind(
        "能源电力",
        3,
        2,
        false,
        &["能源", "电力工程", "新能源", "电力设备"],
    ),
    ind(
        "再生资源",
        3,
        3,
        true,
        &["再生资源", "物资回收", "资源循环"],
    ),
    ind(
        "人力资源服务",
        3,
        2,
        false,
        &["人力资源", "劳务派遣", "人力资源服务"],
    ),
    ind("物业服务", 3, 3, false, &["物业管理", "物业服务"]),
    ind(
        "商务咨询",
        3,
        2,
        false,
        &["企业管理咨询", "商务咨询", "会计服务"],
    ),
    ind(
        "交通运输",
        4,
        3,
        false,
        &["运输", "客运", "汽车运输", "货运"],
    ),
    ind(
        "体育健身",
        2,
        2,
        false,
        &["体育发展", "健身服务", "体育文化"],
    ),
    ind(
        "家政服务",
        2,
        2,
        false,
        &["家政服务", "保洁服务", "家庭服务"],
    ),
];

/// Characters combined (two at a time) into enterprise brand names.
pub(crate) const BRAND_CHARS: [&str; 40] = [
    "宏", "鑫", "华", "恒", "瑞", "盛", "源", "达", "泰", "金", "通", "丰", "祥", "兴", "嘉", "创",
    "博", "中", "正", "昌", "力", "德", "新", "远", "航", "海", "天", "宇", "凯", "隆", "豫", "嵩",
    "汇", "润", "康", "永", "锦", "鼎", "信", "安",
];

/// Common surnames, most frequent first (the first 20 are drawn more often).
pub(crate) const SURNAMES: [&str; 80] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "程", "曹", "袁",
    "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶",
    "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜", "范", "方", "石", "姚", "谭",
    "廖", "邹", "熊", "金", "陆", "郝", "孔", "白", "崔", "康", "毛", "邱", "秦", "江", "史", "侯",
];

pub(crate) const MALE_GIVEN: [&str; 48] = [
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞", "鑫",
    "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "阳", "建", "国",
    "志", "海", "峰", "亮", "东", "文", "晨", "博", "振", "卫", "新", "永", "庆", "春", "成", "贺",
];

pub(crate) const FEMALE_GIVEN: [&str; 40] = [
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "燕", "玲", "桂", "丹", "萍", "红", "玉",
    "兰", "梅", "琳", "雪", "倩", "婷", "颖", "慧", "莉", "佳", "欣", "悦", "雯", "晶", "洁", "璐",
    "瑶", "怡", "楠", "蕾", "薇", "英", "凤", "琴",
];

/// Other county-level codes of Zhengzhou (4101xx) for people born elsewhere in the city.
pub(crate) const ZHENGZHOU_REGIONS: [&str; 10] = [
    "410102", "410103", "410104", "410105", "410108", "410122", "410181", "410182", "410183",
    "410184",
];

/// County-level codes elsewhere in Henan and in other provinces.
pub(crate) const OTHER_REGIONS: [&str; 10] = [
    "410302", "411002", "410802", "130102", "370102", "420106", "340104", "610113", "140105",
    "320102",
];

/// Mobile prefixes of the 13x/15x/18x ranges.
pub(crate) const PHONE_PREFIXES: [&str; 28] = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "180", "181", "182", "183", "184", "185", "186",
    "187", "188",
];

/// Units a cadre may have served in before the current post (工作履历), each with the titles
/// held there at three stages: entry, deputy (副科级 or equivalent), chief.
pub(crate) const CAREER_UNITS: [(&str, [&str; 3]); 16] = [
    ("峡窝镇党政办", ["科员", "副主任", "主任"]),
    ("济源路街道办事处", ["科员", "四级主任科员", "副主任"]),
    ("新安路街道办事处", ["科员", "四级主任科员", "副主任"]),
    ("中心路街道党工委", ["干事", "组织委员", "副书记"]),
    ("工业路街道综治办", ["科员", "副主任", "主任"]),
    ("矿山街道社区办", ["科员", "副主任", "主任"]),
    ("区委办公室", ["科员", "综合科副科长", "综合科科长"]),
    ("区政府办公室", ["科员", "秘书科副科长", "秘书科科长"]),
    ("区财政局", ["科员", "预算股副股长", "预算股股长"]),
    ("区商务局", ["科员", "外贸股副股长", "办公室主任"]),
    ("区工业和信息化局", ["科员", "四级主任科员", "工业股股长"]),
    (
        "区人力资源和社会保障局",
        ["科员", "就业股副股长", "就业股股长"],
    ),
    ("区发展和改革委员会", ["科员", "四级主任科员", "项目科科长"]),
    ("区委组织部", ["干事", "干部科副科长", "干部科科长"]),
    ("区市场监督管理局", ["科员", "市场所副所长", "市场所所长"]),
    ("区住房和城乡建设局", ["科员", "四级主任科员", "建管股股长"]),
];

pub(crate) const EXPERTISE: [&str; 16] = [
    "经济运行分析",
    "项目建设协调",
    "企业服务",
    "群众工作",
    "应急管理",
    "党建工作",
    "招商引资",
    "财务审计",
    "法律事务",
    "城市管理",
    "基层治理",
    "信息化建设",
    "安全生产监管",
    "文字材料",
    "政策研究",
    "纪检监察",
];

pub(crate) const TRAITS: [&str; 12] = [
    "作风扎实，敢于担当",
    "沟通协调能力强",
    "性格沉稳，办事细致",
    "思维敏捷，执行力强",
    "为人坦诚，群众基础好",
    "工作热情高，善于攻坚",
    "原则性强，严谨认真",
    "吃苦耐劳，任劳任怨",
    "善于学习，接受新事物快",
    "处事公道，团结同事",
    "雷厉风行，效率高",
    "耐心细致，服务意识强",
];

/// Chinese numeral for 1..=99 (一, 十, 十六, 二十三...).
pub(crate) fn cn_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    assert!((1..100).contains(&n), "cn_number supports 1..=99");
    let (tens, ones) = (n / 10, n % 10);
    match tens {
        0 => DIGITS[ones].to_string(),
        1 => format!("十{}", DIGITS[ones]),
        _ => format!("{}十{}", DIGITS[tens], DIGITS[ones]),
    }
}
