//! A synthetic province (code 83) shaped like the ones hisgate serves: 3 tier-2 hospitals, a city
//! health centre, 9 polyclinics and 141 commune health stations.

/// The kind of a facility, as the Department of Health groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FacilityKind {
    Tier2Hospital,
    HealthCentre,
    Polyclinic,
    CommuneStation,
}

impl FacilityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FacilityKind::Tier2Hospital => "hospital_tier2",
            FacilityKind::HealthCentre => "health_centre",
            FacilityKind::Polyclinic => "polyclinic",
            FacilityKind::CommuneStation => "commune_station",
        }
    }
}

#[derive(Debug, Clone)]
pub struct SyntheticFacility {
    pub code: String,
    pub name: String,
    pub kind: FacilityKind,
}

pub const PROVINCE_CODE: &str = "83";

/// The 154 facilities of the synthetic province, in a stable order (hospitals first).
pub fn facilities() -> Vec<SyntheticFacility> {
    let mut out = Vec::with_capacity(154);
    let mut push = |n: usize, kind: FacilityKind, name: String| {
        out.push(SyntheticFacility { code: format!("{PROVINCE_CODE}{n:03}"), name, kind });
    };
    let hospitals = ["Bệnh viện Đa khoa tỉnh", "Bệnh viện Y học cổ truyền tỉnh", "Bệnh viện Sản - Nhi tỉnh"];
    for (i, name) in hospitals.iter().enumerate() {
        push(i + 1, FacilityKind::Tier2Hospital, (*name).to_owned());
    }
    push(4, FacilityKind::HealthCentre, "Trung tâm Y tế thành phố".to_owned());
    for i in 0..9 {
        push(10 + i, FacilityKind::Polyclinic, format!("Phòng khám đa khoa khu vực {}", i + 1));
    }
    for i in 0..141 {
        push(100 + i, FacilityKind::CommuneStation, format!("Trạm Y tế xã số {}", i + 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn province_has_the_expected_shape() {
        let f = facilities();
        assert_eq!(f.len(), 154);
        let count = |k| f.iter().filter(|x| x.kind == k).count();
        assert_eq!(count(FacilityKind::Tier2Hospital), 3);
        assert_eq!(count(FacilityKind::HealthCentre), 1);
        assert_eq!(count(FacilityKind::Polyclinic), 9);
        assert_eq!(count(FacilityKind::CommuneStation), 141);
        let mut codes: Vec<_> = f.iter().map(|x| x.code.clone()).collect();
        codes.dedup();
        assert_eq!(codes.len(), 154);
        assert!(codes.iter().all(|c| c.len() == 5));
    }
}
