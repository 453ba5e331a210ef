//! Synthetic treatment episodes: realistic shape, consistent money, deterministic for a seed.
//!
//! A typical inpatient episode has 8 drug lines, 12 service/supply lines, 5 lab results and progress
//! notes (the size the performance figures use); an examination visit is smaller.

use super::province;
use crate::domain::Episode;
use crate::domain::decimal::round_money;
use crate::domain::records::*;
use crate::domain::time::{format_date, format_datetime};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct GenOptions {
    pub seed: u64,
    /// Every episode for this facility; otherwise spread over the synthetic province.
    pub facility: Option<String>,
}

/// An endless, deterministic stream of episodes.
pub struct EpisodeGenerator {
    rng: ChaCha8Rng,
    seed: u64,
    facility: Option<String>,
    facilities: Vec<String>,
    counter: u64,
    /// Place each stay so that it ended within the day before the episode is made (Vietnam time),
    /// as live traffic does; otherwise stays fall in 2026's first ten months, deterministically.
    recent: bool,
}

struct DrugItem {
    code: &'static str,
    name: &'static str,
    strength: &'static str,
    unit: &'static str,
    route: &'static str,
    registration: &'static str,
    price: i64,
}

const DRUGS: &[DrugItem] = &[
    DrugItem {
        code: "40.152",
        name: "Paracetamol",
        strength: "500mg",
        unit: "Viên",
        route: "1.01",
        registration: "VD-21464-14",
        price: 350,
    },
    DrugItem {
        code: "40.1049",
        name: "Amoxicilin",
        strength: "500mg",
        unit: "Viên",
        route: "1.01",
        registration: "VD-25336-16",
        price: 1_200,
    },
    DrugItem {
        code: "40.477",
        name: "Omeprazol",
        strength: "20mg",
        unit: "Viên",
        route: "1.01",
        registration: "VD-28104-17",
        price: 900,
    },
    DrugItem {
        code: "40.678",
        name: "Metformin",
        strength: "850mg",
        unit: "Viên",
        route: "1.01",
        registration: "VD-32065-19",
        price: 650,
    },
    DrugItem {
        code: "40.511",
        name: "Amlodipin",
        strength: "5mg",
        unit: "Viên",
        route: "1.01",
        registration: "VD-24558-16",
        price: 480,
    },
    DrugItem {
        code: "40.1",
        name: "Natri clorid 0,9%",
        strength: "0,9% 500ml",
        unit: "Chai",
        route: "2.15",
        registration: "VD-22147-15",
        price: 11_500,
    },
    DrugItem {
        code: "40.103",
        name: "Ceftriaxon",
        strength: "1g",
        unit: "Lọ",
        route: "2.10",
        registration: "VD-30312-18",
        price: 18_900,
    },
    DrugItem {
        code: "40.54",
        name: "Vitamin B1",
        strength: "100mg/1ml",
        unit: "Ống",
        route: "2.10",
        registration: "VD-23117-15",
        price: 1_050,
    },
];

struct ServiceItem {
    code: &'static str,
    name: &'static str,
    group: u32,
    unit: &'static str,
    price: i64,
}

const EXAM: ServiceItem = ServiceItem { code: "02.1896", name: "Khám Nội", group: 13, unit: "Lần", price: 38_700 };
const BED: ServiceItem =
    ServiceItem { code: "K01.1901", name: "Giường Nội khoa loại 1", group: 15, unit: "Ngày", price: 229_200 };
const SERVICES: &[ServiceItem] = &[
    ServiceItem { code: "23.0019.1494", name: "Định lượng Glucose", group: 1, unit: "Lần", price: 21_500 },
    ServiceItem {
        code: "22.0120.1370",
        name: "Tổng phân tích tế bào máu ngoại vi",
        group: 1,
        unit: "Lần",
        price: 46_200,
    },
    ServiceItem { code: "23.0051.1494", name: "Định lượng Creatinin", group: 1, unit: "Lần", price: 21_500 },
    ServiceItem { code: "18.0119.0028", name: "Chụp X-quang ngực thẳng", group: 2, unit: "Lần", price: 65_400 },
    ServiceItem { code: "18.0001.0001", name: "Siêu âm ổ bụng", group: 2, unit: "Lần", price: 43_900 },
    ServiceItem { code: "21.0014.1778", name: "Điện tim thường", group: 3, unit: "Lần", price: 32_800 },
];
const SUPPLY: ServiceItem =
    ServiceItem { code: "N03.02.070", name: "Bơm tiêm nhựa 5ml", group: 10, unit: "Cái", price: 1_100 };

const DIAGNOSES: &[(&str, &str)] = &[
    ("J18.9", "Viêm phổi, không đặc hiệu"),
    ("I10", "Bệnh lý tăng huyết áp"),
    ("E11.9", "Bệnh đái tháo đường không phụ thuộc insuline"),
    ("K29.7", "Viêm dạ dày, không đặc hiệu"),
    ("A09", "Tiêu chảy và viêm dạ dày-ruột"),
    ("J20.9", "Viêm phế quản cấp"),
];

/// Practising-certificate numbers of the synthetic staff (`catalogues/staff.csv`).
const STAFF: &[&str] = &[
    "000101/BYT-CCHN",
    "000102/BYT-CCHN",
    "000103/BYT-CCHN",
    "000104/BYT-CCHN",
    "000105/BYT-CCHN",
    "000106/BYT-CCHN",
    "000107/BYT-CCHN",
    "000108/BYT-CCHN",
];

const FAMILY: &[&str] = &["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Đặng", "Bùi"];
const MIDDLE: &[&str] = &["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hữu", "Quốc"];
const GIVEN: &[&str] = &["An", "Bình", "Châu", "Dũng", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phúc", "Tâm", "Yến"];
const CARD_OBJECTS: &[&str] = &["HS", "HT", "GD", "DN", "HN", "CN", "TE", "BT", "HC", "CK"];

fn money(v: Decimal) -> Option<Decimal> {
    Some(round_money(v))
}

impl EpisodeGenerator {
    pub fn new(options: GenOptions) -> Self {
        EpisodeGenerator {
            rng: ChaCha8Rng::seed_from_u64(options.seed),
            seed: options.seed,
            facility: options.facility,
            facilities: province::facilities().into_iter().map(|f| f.code).collect(),
            counter: 0,
            recent: false,
        }
    }

    /// Stays that ended within the last day, for a live demo (dates are then not reproducible).
    pub fn recent(self) -> Self {
        EpisodeGenerator { recent: true, ..self }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.random_range(0..items.len())]
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'0' + self.rng.random_range(0..10u8))).collect()
    }

    pub fn next_episode(&mut self) -> Episode {
        self.counter += 1;
        let facility = match &self.facility {
            Some(f) => f.clone(),
            None => {
                // Hospitals send most of the traffic; commune stations little.
                let i = if self.rng.random_bool(0.6) {
                    self.rng.random_range(0..13)
                } else {
                    self.rng.random_range(0..self.facilities.len())
                };
                self.facilities[i].clone()
            }
        };
        let key = format!("{facility}.{}.{:07}", self.seed, self.counter);
        let inpatient = self.rng.random_bool(0.35);
        let visit_type = if inpatient { "03" } else { "01" };

        let start =
            NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date") + Duration::days(self.rng.random_range(0..300));
        let arrival: NaiveDateTime =
            start.and_hms_opt(self.rng.random_range(7..16), self.rng.random_range(0..60), 0).expect("valid time");
        let stay_days = if inpatient { self.rng.random_range(2..8) } else { 0 };
        let discharge = if inpatient {
            arrival + Duration::days(stay_days) + Duration::hours(self.rng.random_range(1..4))
        } else {
            arrival + Duration::minutes(self.rng.random_range(120..240))
        };
        // Moved by whole days, so that a visit keeps its hours and its calendar days.
        let (arrival, discharge) = match self.recent {
            true => {
                let now = crate::domain::time::to_vietnam(chrono::Utc::now());
                let mut shift = Duration::days((now.date() - discharge.date()).num_days());
                if discharge + shift > now {
                    shift -= Duration::days(1);
                }
                (arrival + shift, discharge + shift)
            }
            false => (arrival, discharge),
        };

        let benefit_code: u32 = *self.pick(&[1, 2, 3, 4, 4, 4, 5]);
        let benefit_pct = Decimal::from(match benefit_code {
            3 => 95,
            4 => 80,
            _ => 100,
        });
        // Social-insurance numbers starting 9 are left to the portal mock's reserved test cards.
        let card = format!(
            "{}{}{}{}{}",
            self.pick(CARD_OBJECTS),
            benefit_code,
            province::PROVINCE_CODE,
            self.rng.random_range(0..9u8),
            self.digits(9)
        );
        let year = arrival.date().format("%Y").to_string();
        let (diag_code, diag_name) = *self.pick(DIAGNOSES);
        let sex = self.rng.random_range(1..=2u32);
        let name =
            format!("{} {} {}", self.pick(FAMILY), if sex == 2 { "Thị" } else { self.pick(MIDDLE) }, self.pick(GIVEN));
        let birth = NaiveDate::from_ymd_opt(
            self.rng.random_range(1940..2020),
            self.rng.random_range(1..13),
            self.rng.random_range(1..29),
        )
        .expect("valid date");
        let doctor = (*self.pick(STAFF)).to_owned();
        let department = if inpatient { "K03" } else { "K01" };
        let ordered = |minutes: i64| format_datetime(arrival + Duration::minutes(minutes));

        let mut drugs = Vec::new();
        let drug_count = if inpatient { 8 } else { 3 };
        for i in 0..drug_count {
            let item = &DRUGS[(i + self.rng.random_range(0..DRUGS.len())) % DRUGS.len()];
            let quantity = Decimal::from(self.rng.random_range(1..30));
            let price = Decimal::from(item.price);
            let amount = round_money(quantity * price);
            let fund = round_money(amount * benefit_pct / Decimal::ONE_HUNDRED);
            drugs.push(DrugLine {
                episode_key: Some(key.clone()),
                seq: Some(i as u32 + 1),
                drug_code: Some(item.code.to_owned()),
                cost_group: Some(4),
                drug_name: Some(item.name.to_owned()),
                unit: Some(item.unit.to_owned()),
                strength: Some(item.strength.to_owned()),
                route_code: Some(item.route.to_owned()),
                dosage: Some("1 viên/lần * 2 lần/ngày * 5 ngày".to_owned()),
                registration_number: Some(item.registration.to_owned()),
                tender_info: Some(format!("{};G1;N4;{}", 1000 + i, year)),
                coverage_scope: Some(1),
                insurance_rate_pct: Some(Decimal::ONE_HUNDRED),
                quantity: Some(quantity),
                unit_price: Some(price),
                amount_hospital: Some(amount),
                amount_insured: Some(amount),
                other_state_budget: Some(Decimal::ZERO),
                other_foreign_aid: Some(Decimal::ZERO),
                other_domestic_aid: Some(Decimal::ZERO),
                other_remaining: Some(Decimal::ZERO),
                other_sources: Some(Decimal::ZERO),
                benefit_pct: Some(benefit_pct),
                patient_self_pay: Some(Decimal::ZERO),
                patient_copay: money(amount - fund),
                fund_pays: Some(fund),
                department_codes: Some(department.to_owned()),
                doctor_codes: Some(doctor.clone()),
                ordered_at: Some(ordered(10 + i as i64)),
                payment_method: Some(1),
                funding_source: Some(1),
                ..DrugLine::default()
            });
        }

        // (item, quantity, day of the stay it is ordered on)
        let mut items: Vec<(&ServiceItem, Decimal, i64)> = vec![(&EXAM, Decimal::ONE, 0)];
        let service_count = if inpatient { 12 } else { 4 };
        if inpatient {
            // One bed-day order per day of the stay.
            items.extend((0..stay_days).map(|d| (&BED, Decimal::ONE, d)));
        }
        while items.len() < service_count - 1 {
            let s = self.pick(SERVICES);
            items.push((s, Decimal::ONE, 0));
        }
        items.push((&SUPPLY, Decimal::from(self.rng.random_range(1..6)), 0));

        let mut services = Vec::new();
        for (i, (item, quantity, day)) in items.iter().enumerate() {
            let price = Decimal::from(item.price);
            let amount = round_money(*quantity * price);
            let fund = round_money(amount * benefit_pct / Decimal::ONE_HUNDRED);
            let supply = item.group == 10;
            let performed = [1, 2, 3, 8, 18].contains(&item.group);
            services.push(ServiceLine {
                episode_key: Some(key.clone()),
                seq: Some(i as u32 + 1),
                service_code: (!supply).then(|| item.code.to_owned()),
                supply_code: supply.then(|| item.code.to_owned()),
                cost_group: Some(item.group),
                supply_name: supply.then(|| item.name.to_owned()),
                service_name: (!supply).then(|| item.name.to_owned()),
                unit: Some(item.unit.to_owned()),
                coverage_scope: Some(1),
                quantity: Some(*quantity),
                unit_price_hospital: Some(price),
                unit_price_insured: Some(price),
                tender_info: supply.then(|| format!("2001;G1;N1;{year}")),
                service_rate_pct: Some(Decimal::ONE_HUNDRED),
                insurance_rate_pct: Some(Decimal::ONE_HUNDRED),
                amount_hospital: Some(amount),
                amount_insured: Some(amount),
                benefit_pct: Some(benefit_pct),
                other_state_budget: Some(Decimal::ZERO),
                other_foreign_aid: Some(Decimal::ZERO),
                other_domestic_aid: Some(Decimal::ZERO),
                other_remaining: Some(Decimal::ZERO),
                other_sources: Some(Decimal::ZERO),
                patient_self_pay: Some(Decimal::ZERO),
                patient_copay: money(amount - fund),
                fund_pays: Some(fund),
                department_codes: Some(department.to_owned()),
                bed_codes: (item.group == 15).then(|| "H001".to_owned()),
                doctor_codes: Some(doctor.clone()),
                performer_codes: performed.then(|| doctor.clone()),
                icd10_codes: Some(diag_code.to_owned()),
                ordered_at: Some(ordered(day * 24 * 60 + 5 + i as i64)),
                performed_at: performed.then(|| ordered(20 + i as i64)),
                result_at: performed.then(|| ordered(60 + i as i64)),
                payment_method: Some(1),
                machine_codes: performed
                    .then(|| format!("{}.1.{facility}.1", ["HH", "XQ", "TT"][(item.group as usize - 1) % 3])),
                ..ServiceLine::default()
            });
        }

        let result_count = if inpatient { 5 } else { 2 };
        let paraclinical_results = (0..result_count)
            .map(|i| ParaclinicalResult {
                episode_key: Some(key.clone()),
                seq: Some(i as u32 + 1),
                service_code: Some(SERVICES[i % 3].code.to_owned()),
                indicator_code: Some(format!("CS{:03}", i + 1)),
                indicator_name: Some(["Glucose", "Hồng cầu", "Bạch cầu", "Creatinin", "Ure"][i].to_owned()),
                value: Some(format!("{}.{}", self.rng.random_range(3..12), self.rng.random_range(0..10))),
                unit_of_measure: Some("mmol/L".to_owned()),
                result_at: Some(ordered(60 + i as i64)),
                reader_id: Some(doctor.clone()),
                ..ParaclinicalResult::default()
            })
            .collect();

        let progress_notes = if inpatient {
            (0..stay_days)
                .map(|d| ProgressNote {
                    episode_key: Some(key.clone()),
                    seq: Some(d as u32 + 1),
                    progress: Some(
                        "Mạch 80 l/p, nhiệt độ 37°C, huyết áp 120/80 mmHg; bệnh nhân tỉnh, ăn uống được".to_owned(),
                    ),
                    noted_at: Some(format_datetime(arrival + Duration::days(d) + Duration::hours(1))),
                    performer_codes: Some(doctor.clone()),
                    ..ProgressNote::default()
                })
                .collect()
        } else {
            Vec::new()
        };

        let sum = |f: &dyn Fn(&DrugLine) -> Option<Decimal>, g: &dyn Fn(&ServiceLine) -> Option<Decimal>| -> Decimal {
            drugs.iter().filter_map(f).sum::<Decimal>() + services.iter().filter_map(g).sum::<Decimal>()
        };
        let total_hospital = sum(&|l| l.amount_hospital, &|l| l.amount_hospital);
        let total_insured = sum(&|l| l.amount_insured, &|l| l.amount_insured);
        let total_copay = sum(&|l| l.patient_copay, &|l| l.patient_copay);
        let total_fund = sum(&|l| l.fund_pays, &|l| l.fund_pays);
        let total_drugs: Decimal = drugs.iter().filter_map(|l| l.amount_hospital).sum();
        let total_supplies: Decimal =
            services.iter().filter(|l| l.cost_group == Some(10)).filter_map(|l| l.amount_hospital).sum();
        let discharge_text = format_datetime(discharge);
        let arrival_text = format_datetime(arrival);

        // The sample administrative-unit catalogue's 9 districts of 20 communes each; since
        // districts were abolished the communes belong to the merged province directly.
        let district = self.rng.random_range(829..838u32);
        let commune = 28700 + (district - 829) * 20 + self.rng.random_range(0..20u32);
        let two_levels = arrival.date() >= crate::reference::DISTRICTS_ABOLISHED;
        let (province, district, province_name) = if two_levels {
            (province::RESIDENCE_PROVINCE_CODE, None, "Vĩnh Long")
        } else {
            (province::PROVINCE_CODE, Some(district.to_string()), "Bến Tre")
        };
        let summary = EpisodeSummary {
            episode_key: Some(key.clone()),
            seq: Some(1),
            patient_id: Some(format!("BN{}", self.digits(8))),
            full_name: Some(name),
            citizen_id: Some(format!("0{}", self.digits(11))),
            birth_date: Some(format!("{}0000", format_date(birth))),
            sex: Some(sex),
            nationality_code: Some("000".to_owned()),
            ethnicity_code: Some("01".to_owned()),
            // QĐ 3176: the occupation to level 2 of QĐ 34/2020/QĐ-TTg, `00` for none.
            occupation_code: Some("00".to_owned()),
            address: Some(format!(
                "Ấp {}, xã số {}, tỉnh {province_name}",
                self.rng.random_range(1..9),
                self.rng.random_range(1..141)
            )),
            province_code: Some(province.to_owned()),
            district_code: district,
            commune_code: Some(commune.to_string()),
            card_numbers: Some(card),
            primary_care_facilities: Some(facility.clone()),
            card_valid_from: Some(format!("{year}0101")),
            card_valid_to: Some(format!("{year}1231")),
            visit_reason: Some(if inpatient { "Sốt, ho kéo dài" } else { "Khám bệnh" }.to_owned()),
            inpatient_reason: inpatient.then(|| "Cần theo dõi và điều trị nội trú".to_owned()),
            inpatient_reason_code: inpatient.then(|| "01".to_owned()),
            admission_diagnosis: Some(diag_name.to_owned()),
            discharge_diagnosis: Some(diag_name.to_owned()),
            main_icd10: Some(diag_code.to_owned()),
            visit_route: Some("1.1".to_owned()),
            admitted_at: Some(arrival_text.clone()),
            inpatient_admitted_at: inpatient.then(|| arrival_text.clone()),
            discharged_at: Some(discharge_text.clone()),
            treatment_days: Some(if inpatient { (discharge.date() - arrival.date()).num_days() as u32 + 1 } else { 0 }),
            treatment_method: inpatient.then(|| "Điều trị nội khoa".to_owned()),
            outcome: Some(if inpatient { 1 } else { 2 }),
            discharge_type: Some(1),
            total_drugs: Some(total_drugs),
            total_supplies: Some(total_supplies),
            total_cost_hospital: Some(total_hospital),
            total_cost_insured: Some(total_insured),
            patient_self_pay: Some(Decimal::ZERO),
            patient_copay: Some(total_copay),
            fund_pays: Some(total_fund),
            other_sources: Some(Decimal::ZERO),
            fund_pays_fee_for_service: Some(total_fund),
            settlement_year: Some(discharge.date().format("%Y").to_string().parse().unwrap_or(2026)),
            settlement_month: Some(discharge.date().format("%m").to_string().parse().unwrap_or(1)),
            visit_type: Some(visit_type.to_owned()),
            department_codes: Some(department.to_owned()),
            facility_code: Some(facility.clone()),
            weight_kg: Some(format!("{}.00", self.rng.random_range(10..90))),
            medical_record_number: Some(format!("HS{}", self.digits(8))),
            head_of_facility_id: Some(format!("{facility}GD")),
            ..EpisodeSummary::default()
        };

        let discharge_certificate = inpatient.then(|| DischargeCertificate {
            episode_key: Some(key.clone()),
            archive_number: Some(format!("LT{}", self.counter)),
            health_record_id: Some(format!("YT{}", self.counter)),
            discharge_department: Some(department.to_owned()),
            admitted_at: Some(arrival_text.clone()),
            discharged_at: Some(discharge_text.clone()),
            discharge_diagnosis: Some(diag_name.to_owned()),
            treatment_methods: Some("Điều trị nội khoa".to_owned()),
            head_of_facility_id: Some(format!("{facility}GD")),
            doctor_id: Some(doctor.clone()),
            doctor_name: Some("BS. Lê Văn Tâm".to_owned()),
            issued_on: Some(format_date(discharge.date())),
            ..DischargeCertificate::default()
        });

        let check_ins = vec![first_order_check_in(&summary, &services[0])];
        Episode {
            summary,
            drugs,
            services,
            paraclinical_results,
            progress_notes,
            discharge_certificate,
            check_ins,
            ..Episode::default()
        }
    }
}

/// The check-in (XML0) a HIS sends at the visit's first order: who, which card, which visit, and
/// the one service ordered.
fn first_order_check_in(s: &EpisodeSummary, first: &ServiceLine) -> CheckIn {
    CheckIn {
        episode_key: s.episode_key.clone(),
        seq: Some(1),
        patient_id: s.patient_id.clone(),
        full_name: s.full_name.clone(),
        citizen_id: s.citizen_id.clone(),
        birth_date: s.birth_date.clone(),
        sex: s.sex,
        card_numbers: s.card_numbers.clone(),
        primary_care_facilities: s.primary_care_facilities.clone(),
        card_valid_from: s.card_valid_from.clone(),
        card_valid_to: s.card_valid_to.clone(),
        visit_route: s.visit_route.clone(),
        admitted_at: s.admitted_at.clone(),
        inpatient_admitted_at: s.inpatient_admitted_at.clone(),
        inpatient_reason: s.inpatient_reason.clone(),
        inpatient_reason_code: s.inpatient_reason_code.clone(),
        visit_type: s.visit_type.clone(),
        facility_code: s.facility_code.clone(),
        service_code: first.service_code.clone(),
        service_name: first.service_name.clone(),
        ordered_at: first.ordered_at.clone(),
        ..CheckIn::default()
    }
}

impl Iterator for EpisodeGenerator {
    type Item = Episode;

    fn next(&mut self) -> Option<Episode> {
        Some(self.next_episode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::spec::Profile;
    use crate::reference::ReferenceData;
    use crate::validation::{Catalogue, validate};

    #[test]
    fn generated_episodes_have_no_violation() {
        let catalogue = Catalogue::builtin();
        let reference = ReferenceData::sample();
        for profile in [Profile::Qd3176, Profile::Qd4750] {
            for e in EpisodeGenerator::new(GenOptions { seed: 7, facility: None }).take(300) {
                let report = validate(&e, &catalogue, &reference, profile);
                assert!(report.violations.is_empty(), "{profile:?} {}: {:#?}", e.episode_key(), report.violations);
            }
        }
    }

    #[test]
    fn recent_episodes_ended_within_the_last_day_and_break_no_rule() {
        let catalogue = Catalogue::builtin();
        let reference = ReferenceData::sample();
        let now = crate::domain::time::to_vietnam(chrono::Utc::now());
        for e in EpisodeGenerator::new(GenOptions { seed: 9, facility: None }).recent().take(100) {
            let ended = crate::domain::time::parse_datetime(e.summary.discharged_at.as_deref().unwrap()).unwrap();
            assert!(ended <= now + Duration::minutes(1) && now - ended <= Duration::days(1), "{ended} for {now}");
            let report = validate(&e, &catalogue, &reference, Profile::default());
            assert!(report.violations.is_empty(), "{}: {:#?}", e.episode_key(), report.violations);
        }
    }

    #[test]
    fn same_seed_same_episodes() {
        let a: Vec<_> =
            EpisodeGenerator::new(GenOptions { seed: 3, facility: Some("83001".into()) }).take(20).collect();
        let b: Vec<_> =
            EpisodeGenerator::new(GenOptions { seed: 3, facility: Some("83001".into()) }).take(20).collect();
        let c: Vec<_> =
            EpisodeGenerator::new(GenOptions { seed: 4, facility: Some("83001".into()) }).take(20).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.iter().all(|e| e.facility_code() == "83001"));
    }
}
