//! Which IP addresses the component's requests may reach, checked after DNS.
//!
//! The allowlist names hosts, but a name is only as trustworthy as its DNS: an
//! allowed name can be pointed at 127.0.0.1 or at the cloud metadata service
//! (DNS rebinding). So every address a name resolves to is checked here before
//! a connection is made, and the connection goes to the checked address.
//! IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4) are
//! judged by the IPv4 address inside, so they cannot smuggle one past.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What may be reached besides public addresses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    /// Loopback (127.0.0.0/8, ::1): only for simulators and tests
    /// (`[sandbox] allow_loopback`).
    pub allow_loopback: bool,
    /// Private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), for a
    /// Namely reached through a private network (`[sandbox] allow_private_networks`).
    pub allow_private: bool,
}

/// Well-known instance metadata services; never reachable, whatever the policy.
const METADATA: &[IpAddr] = &[
    IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)), // AWS, GCP, Azure, OpenStack, …
    IpAddr::V4(Ipv4Addr::new(169, 254, 170, 2)),   // AWS ECS task metadata
    IpAddr::V4(Ipv4Addr::new(100, 100, 100, 200)), // Alibaba Cloud
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)), // AWS over IPv6
];

impl AddressPolicy {
    /// Why `ip` may not be reached, or `None` if it may.
    pub fn denies(&self, ip: IpAddr) -> Option<String> {
        if METADATA.contains(&ip) {
            return Some(format!("{ip} is a cloud metadata address, never reachable from the sandbox"));
        }
        match ip {
            IpAddr::V4(v4) => self.denies_v4(v4).map(|why| format!("{ip} is {why}")),
            IpAddr::V6(v6) => match embedded_v4(v6) {
                Some(v4) => self.denies(IpAddr::V4(v4)).map(|why| format!("{ip} embeds an IPv4 address: {why}")),
                None => self.denies_v6(v6).map(|why| format!("{ip} is {why}")),
            },
        }
    }

    fn denies_v4(&self, ip: Ipv4Addr) -> Option<String> {
        let [a, b, ..] = ip.octets();
        let why = if ip.is_unspecified() || a == 0 {
            "an unspecified (\"this network\") address"
        } else if ip.is_loopback() {
            if self.allow_loopback {
                return None;
            }
            "loopback; set [sandbox] allow_loopback = true to reach it (simulators and tests only)"
        } else if ip.is_link_local() {
            "link-local (169.254.0.0/16)"
        } else if ip.is_multicast() {
            "multicast"
        } else if ip.is_broadcast() || a >= 240 {
            "reserved or broadcast"
        } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
            if self.allow_private {
                return None;
            }
            "in a private range; set [sandbox] allow_private_networks = true if your Namely is reached through one"
        } else {
            return None;
        };
        Some(why.to_string())
    }

    fn denies_v6(&self, ip: Ipv6Addr) -> Option<String> {
        let first = ip.segments()[0];
        let why = if ip.is_unspecified() {
            "the unspecified address"
        } else if ip.is_loopback() {
            if self.allow_loopback {
                return None;
            }
            "loopback; set [sandbox] allow_loopback = true to reach it (simulators and tests only)"
        } else if first & 0xffc0 == 0xfe80 || first & 0xffc0 == 0xfec0 {
            "link-local or site-local"
        } else if ip.is_multicast() {
            "multicast"
        } else if first & 0xfe00 == 0xfc00 {
            if self.allow_private {
                return None;
            }
            "a unique-local (private) address; set [sandbox] allow_private_networks = true if your Namely is reached through one"
        } else {
            return None;
        };
        Some(why.to_string())
    }
}

/// The IPv4 address inside an IPv6 one, for the forms that carry one:
/// mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d)
/// and 6to4 (2002:aabb:ccdd::).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    // ::1 and :: are IPv6's own loopback and unspecified addresses.
    if s[..6] == [0; 6] && !(s[6] == 0 && s[7] <= 1) {
        return Some(low);
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(low);
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn denied(policy: AddressPolicy, ip: &str) -> bool {
        policy.denies(ip.parse().unwrap()).is_some()
    }

    #[test]
    fn public_addresses_are_reachable() {
        let p = AddressPolicy::default();
        for ip in ["52.1.2.3", "8.8.8.8", "2606:4700::6810:84e5", "100.128.0.1"] {
            assert!(!denied(p, ip), "{ip}");
        }
    }

    #[test]
    fn internal_addresses_are_denied_by_default() {
        let p = AddressPolicy::default();
        for ip in [
            "127.0.0.1", "127.1.2.3", "0.0.0.0", "0.1.2.3", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1",
            "169.254.1.1", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1", "::1", "::", "fe80::1", "fec0::1", "fc00::1",
            "fd12:3456::1", "ff02::1",
        ] {
            assert!(denied(p, ip), "{ip}");
        }
    }

    #[test]
    fn metadata_addresses_are_denied_whatever_the_policy() {
        let open = AddressPolicy { allow_loopback: true, allow_private: true };
        for ip in ["169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254", "::ffff:169.254.169.254", "::ffff:a9fe:a9fe"] {
            let why = open.denies(ip.parse().unwrap());
            assert!(why.as_deref().is_some_and(|w| w.contains("metadata")), "{ip}: {why:?}");
        }
    }

    #[test]
    fn ipv6_forms_embedding_ipv4_are_judged_by_the_ipv4_inside() {
        let p = AddressPolicy::default();
        for ip in ["::ffff:127.0.0.1", "::ffff:7f00:1", "::127.0.0.1", "64:ff9b::10.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:0001::", "::ffff:10.1.2.3"] {
            let why = p.denies(ip.parse().unwrap());
            assert!(why.as_deref().is_some_and(|w| w.contains("embeds an IPv4")), "{ip}: {why:?}");
        }
        assert!(!denied(p, "::ffff:52.1.2.3"));
        assert!(!denied(p, "64:ff9b::808:808"));
    }

    #[test]
    fn the_switches_open_only_their_own_ranges() {
        let loopback = AddressPolicy { allow_loopback: true, allow_private: false };
        assert!(!denied(loopback, "127.0.0.1") && !denied(loopback, "::1") && !denied(loopback, "::ffff:127.0.0.1"));
        assert!(denied(loopback, "10.0.0.1") && denied(loopback, "169.254.169.254"));
        let private = AddressPolicy { allow_loopback: false, allow_private: true };
        assert!(!denied(private, "10.0.0.1") && !denied(private, "fd12::1") && !denied(private, "100.64.1.1"));
        assert!(denied(private, "127.0.0.1") && denied(private, "169.254.1.1") && denied(private, "fd00:ec2::254"));
    }

    #[test]
    fn refusals_say_which_switch_would_open_the_range() {
        let why = AddressPolicy::default().denies("127.0.0.1".parse().unwrap()).unwrap();
        assert!(why.contains("[sandbox] allow_loopback"), "{why}");
        let why = AddressPolicy::default().denies("10.0.0.1".parse().unwrap()).unwrap();
        assert!(why.contains("[sandbox] allow_private_networks"), "{why}");
    }
}
