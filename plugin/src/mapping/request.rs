//! The exact `POST /api/v1/profiles` body. Keys are written in one fixed
//! order and absent fields are left out, so equal profiles give equal bytes.

use serde_json::{json, Map, Value};

use crate::types::{JobTitleRef, NamelyProfile};

/// `{"profiles": [ { … } ]}` as compact JSON.
pub fn body(p: &NamelyProfile) -> String {
    let mut o = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            o.insert(k.to_string(), v);
        }
    };
    let s = |v: &Option<String>| v.as_ref().map(|s| Value::String(s.clone()));
    put("first_name", Some(json!(p.first_name)));
    put("middle_name", s(&p.middle_name));
    put("last_name", Some(json!(p.last_name)));
    put("preferred_name", s(&p.preferred_name));
    put("email", Some(json!(p.email)));
    put("personal_email", s(&p.personal_email));
    put("user_status", Some(json!(p.user_status)));
    put("start_date", s(&p.start_date));
    put("mobile_phone", s(&p.mobile_phone));
    put("home_phone", s(&p.home_phone));
    put("linkedin_url", s(&p.linkedin_url));
    put("job_title", p.job_title.as_ref().map(|t| match t {
        JobTitleRef::Id(id) => json!({ "id": id }),
        JobTitleRef::Title(title) => json!({ "title": title }),
    }));
    put("employee_type", s(&p.employee_type));
    put("salary", p.salary.as_ref().map(|s| {
        json!({ "currency_type": s.currency_type, "yearly_amount": s.yearly_amount, "date": s.date })
    }));
    put("home", p.home.as_ref().map(|h| {
        let mut a = Map::new();
        for (k, v) in [("address1", &h.address1), ("address2", &h.address2), ("city", &h.city),
            ("state_id", &h.state_id), ("country_id", &h.country_id), ("zip", &h.zip)] {
            if let Some(v) = v {
                a.insert(k.to_string(), Value::String(v.clone()));
            }
        }
        Value::Object(a)
    }));
    put("resume", s(&p.resume));
    json!({ "profiles": [Value::Object(o)] }).to_string()
}
