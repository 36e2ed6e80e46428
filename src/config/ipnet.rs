//! [`IpNet`]: the IPv4/IPv6 blocks of `csta.allow`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IPv4 or IPv6 block: an address with a prefix length, host bits cleared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Parses `10.20.0.0/16`, `127.0.0.1` (= /32), `::1` (= /128) or
    /// `fd00::/8`. Host bits may be set (`10.20.30.40/16` is `10.20.0.0/16`).
    #[must_use]
    pub fn parse(text: &str) -> Option<IpNet> {
        let (addr_text, prefix_text) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr_text.parse().ok()?;
        let max = max_prefix(addr);
        let prefix = match prefix_text {
            Some(prefix_text) => parse_prefix(prefix_text)?,
            None => max,
        };
        (prefix <= max).then(|| IpNet {
            addr: mask(addr, prefix),
            prefix,
        })
    }

    /// The network address (host bits cleared).
    #[must_use]
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// Whether `ip` is inside the block. IPv4 addresses and IPv4-mapped IPv6
    /// addresses (`::ffff:a.b.c.d`, what a dual-stack socket reports for an
    /// IPv4 peer) are the same address here.
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => mask_v4(ip, self.prefix) == net,
            (IpAddr::V4(net), IpAddr::V6(ip)) => ip
                .to_ipv4_mapped()
                .is_some_and(|ip| mask_v4(ip, self.prefix) == net),
            (IpAddr::V6(net), IpAddr::V6(ip)) => mask_v6(ip, self.prefix) == net,
            (IpAddr::V6(net), IpAddr::V4(ip)) => mask_v6(ip.to_ipv6_mapped(), self.prefix) == net,
        }
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// Decimal digits only: `str::parse::<u8>` would also take `+8`.
fn parse_prefix(text: &str) -> Option<u8> {
    let digits_only =
        !text.is_empty() && text.len() <= 3 && text.bytes().all(|b| b.is_ascii_digit());
    digits_only.then(|| text.parse().ok()).flatten()
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(addr) => IpAddr::V4(mask_v4(addr, prefix)),
        IpAddr::V6(addr) => IpAddr::V6(mask_v6(addr, prefix)),
    }
}

fn mask_v4(addr: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    let shift = 32u32.saturating_sub(u32::from(prefix));
    let bits = u32::MAX.checked_shl(shift).unwrap_or(0);
    Ipv4Addr::from(u32::from(addr) & bits)
}

fn mask_v6(addr: Ipv6Addr, prefix: u8) -> Ipv6Addr {
    let shift = 128u32.saturating_sub(u32::from(prefix));
    let bits = u128::MAX.checked_shl(shift).unwrap_or(0);
    Ipv6Addr::from(u128::from(addr) & bits)
}
