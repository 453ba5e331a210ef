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
    /// One of the province's 9 districts, `831`–`839` (the level abolished on 2025-07-01).
    pub district: String,
    /// Its commune or ward, one of the sample catalogue's (`28700`–`28879`).
    pub commune: String,
    /// The unit a commune station reports through: the city health centre in district 831, the
    /// district's polyclinic elsewhere.
    pub parent: Option<String>,
    /// `YYYY-MM-DD`: when the facility's signing certificate expires (a few soon).
    pub certificate_expires_on: String,
}

/// The registry row of a synthetic facility; `status` as the caller decides.
impl SyntheticFacility {
    pub fn registry_row(&self, status: &str, connected_on: &str) -> crate::store::facilities::Facility {
        crate::store::facilities::Facility {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.as_str().to_owned(),
            status: status.to_owned(),
            created_at: 0,
            district: Some(self.district.clone()),
            commune: Some(self.commune.clone()),
            parent_code: self.parent.clone(),
            connected_on: Some(connected_on.to_owned()),
            contact: None,
            certificate_expires_on: Some(self.certificate_expires_on.clone()),
            updated_at: None,
        }
    }
}

/// The province's code before 2025-07-01, which its facility codes (MA_CSKCB `83xxx`) keep.
pub const PROVINCE_CODE: &str = "83";
/// The merged province its residents belong to since 2025-07-01 (Bến Tre, 83, became part of
/// Vĩnh Long, 86: REGULATORY-2026.md §3.2).
pub const RESIDENCE_PROVINCE_CODE: &str = "86";

/// The 154 facilities of the synthetic province, in a stable order (hospitals first).
pub fn facilities() -> Vec<SyntheticFacility> {
    let mut out = Vec::with_capacity(154);
    let mut push = |n: usize, kind: FacilityKind, name: String, district: usize, parent: Option<String>| {
        // Twenty communes a district; a district's stations spread over them.
        let commune = 28700 + (district - 1) * 20 + (n / 9) % 20;
        // Every 37th certificate runs out within a month of 2026-12-01; the rest in 2027-2028.
        let certificate_expires_on = if n % 37 == 5 {
            format!("2026-12-{:02}", 1 + n % 28)
        } else {
            format!("{}-{:02}-15", 2027 + n % 2, 1 + n % 12)
        };
        out.push(SyntheticFacility {
            code: format!("{PROVINCE_CODE}{n:03}"),
            name,
            kind,
            district: format!("{PROVINCE_CODE}{district}"),
            commune: commune.to_string(),
            parent,
            certificate_expires_on,
        });
    };
    let hospitals = ["Bệnh viện Đa khoa tỉnh", "Bệnh viện Y học cổ truyền tỉnh", "Bệnh viện Sản - Nhi tỉnh"];
    for (i, name) in hospitals.iter().enumerate() {
        push(i + 1, FacilityKind::Tier2Hospital, (*name).to_owned(), 1, None);
    }
    push(4, FacilityKind::HealthCentre, "Trung tâm Y tế thành phố".to_owned(), 1, None);
    for i in 0..9 {
        push(10 + i, FacilityKind::Polyclinic, format!("Phòng khám đa khoa khu vực {}", i + 1), 1 + i, None);
    }
    for i in 0..141 {
        let district = 1 + i % 9;
        let parent = if district == 1 { "004".to_owned() } else { format!("{:03}", 9 + district) };
        push(
            100 + i,
            FacilityKind::CommuneStation,
            format!("Trạm Y tế xã số {}", i + 1),
            district,
            Some(format!("{PROVINCE_CODE}{parent}")),
        );
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
        for (i, x) in f.iter().enumerate() {
            if let Some(parent) = &x.parent {
                let at = f.iter().position(|p| &p.code == parent).expect("the parent is in the province");
                assert!(at < i, "{} comes after its parent {parent}", x.code);
            }
        }
    }
}
