//! Xsi side: documents as BroadWorks sends them, and the [`Harness`] that
//! numbers them and feeds them to a [`Translator`].

use super::*;

const XSI_NS: &str = "http://schema.broadsoft.com/xsi";
const XSI_TYPE_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The subscription owner (an application user), not the target.
pub(super) const OWNER: &str = "cti-app@example.com";
const APP: &str = "bwcsta";
pub(super) const SUBSCRIPTION: &str = "98ed3939-c113-419c-8012-092556b85c66";
pub(super) const CHANNEL_A: &str = "64eddc79-b707-4827-aacd-487fb5cb8427";
pub(super) const CHANNEL_B: &str = "0f3c5e2a-1d4b-4e6f-9a8b-7c6d5e4f3a2b";
/// The monitored user (`targetId`).
pub(super) const USER: &str = "2001@example.com";
/// The device string the CSTA client monitors.
pub(super) const LOCAL: &str = "2001";
pub(super) const CROSS_REF: &str = "7";
const START: u64 = 1_700_000_000_000;

/// `remoteParty` (xsd `PartyInformation`).
#[derive(Clone, Debug, Default)]
struct Remote {
    name: Option<String>,
    address: Option<&'static str>,
    user_id: Option<String>,
    user_dn: Option<String>,
    privacy: bool,
    call_type: Option<&'static str>,
}

impl Remote {
    /// A group member reached at `address` (`tel:NNNN`), with the name,
    /// userId and userDN BroadWorks adds for internal users. An empty
    /// address gives a party BroadWorks knows nothing of yet.
    fn at(address: &'static str) -> Self {
        if address.is_empty() {
            return Remote::default();
        }
        let number = address.trim_start_matches("tel:");
        Remote {
            name: Some(format!("User {number}")),
            address: Some(address),
            user_id: Some(format!("user{number}@example.com")),
            user_dn: Some(format!("tel:+1555000{number};ext={number}")),
            privacy: false,
            call_type: Some("Group"),
        }
    }

    fn xml(&self, out: &mut String) {
        out.push_str("<xsi:remoteParty>");
        opt(out, "name", self.name.as_deref());
        if let Some(a) = self.address {
            out.push_str(&format!("<xsi:address countryCode=\"1\">{a}</xsi:address>"));
        }
        opt(out, "userId", self.user_id.as_deref());
        if let Some(dn) = &self.user_dn {
            out.push_str(&format!("<xsi:userDN countryCode=\"1\">{dn}</xsi:userDN>"));
        }
        if self.privacy {
            out.push_str("<xsi:privacy/>");
        }
        opt(out, "callType", self.call_type);
        out.push_str("</xsi:remoteParty>");
    }
}

/// The fields of one Xsi `call` object that the cases vary.
#[derive(Clone, Debug)]
pub(super) struct C {
    id: &'static str,
    ext: &'static str,
    personality: &'static str,
    state: &'static str,
    release_cause: Option<&'static str>,
    releasing: Option<&'static str>,
    remote: Remote,
    /// `redirections/redirection`: party address, reason.
    redirection: Option<(&'static str, &'static str)>,
    /// `redirect`: address, reason.
    redirect: Option<(&'static str, &'static str)>,
    recall: Option<&'static str>,
}

pub(super) fn call(
    id: &'static str,
    ext: &'static str,
    personality: &'static str,
    state: &'static str,
    remote: &'static str,
) -> C {
    C {
        id,
        ext,
        personality,
        state,
        release_cause: None,
        releasing: None,
        remote: Remote::at(remote),
        redirection: None,
        redirect: None,
        recall: None,
    }
}

/// A call the user receives.
pub(super) fn term(
    id: &'static str,
    ext: &'static str,
    state: &'static str,
    remote: &'static str,
) -> C {
    call(id, ext, "Terminator", state, remote)
}

/// A call the user makes.
pub(super) fn orig(
    id: &'static str,
    ext: &'static str,
    state: &'static str,
    remote: &'static str,
) -> C {
    call(id, ext, "Originator", state, remote)
}

impl C {
    pub(super) fn cause(mut self, internal_release_cause: &'static str) -> Self {
        self.release_cause = Some(internal_release_cause);
        self
    }

    pub(super) fn releasing(mut self, party: &'static str) -> Self {
        self.releasing = Some(party);
        self
    }

    pub(super) fn redirection(mut self, party: &'static str, reason: &'static str) -> Self {
        self.redirection = Some((party, reason));
        self
    }

    pub(super) fn redirect(mut self, address: &'static str, reason: &'static str) -> Self {
        self.redirect = Some((address, reason));
        self
    }

    pub(super) fn recall(mut self, recall_type: &'static str) -> Self {
        self.recall = Some(recall_type);
        self
    }

    pub(super) fn private(mut self) -> Self {
        self.remote.privacy = true;
        self
    }

    /// The `<xsi:call>` element, children in xsd order (the `Call` type of the Xsi
    /// schema), with the optional parts a real server adds for the state.
    fn xml(&self) -> String {
        let mut out = String::from("<xsi:call>");
        leaf(&mut out, "callId", self.id);
        leaf(&mut out, "extTrackingId", self.ext);
        leaf(&mut out, "personality", self.personality);
        leaf(&mut out, "state", self.state);
        if let Some(cause) = self.release_cause {
            out.push_str("<xsi:releaseCause>");
            leaf(&mut out, "internalReleaseCause", cause);
            out.push_str("</xsi:releaseCause>");
        }
        opt(&mut out, "releasingParty", self.releasing);
        self.remote.xml(&mut out);
        if let Some((party, reason)) = self.redirection {
            out.push_str("<xsi:redirections><xsi:redirection><xsi:party>");
            leaf(&mut out, "address", party);
            out.push_str("</xsi:party>");
            leaf(&mut out, "reason", reason);
            leaf(&mut out, "counter", "1");
            out.push_str("</xsi:redirection></xsi:redirections>");
        }
        if let Some((address, reason)) = self.redirect {
            out.push_str("<xsi:redirect>");
            leaf(&mut out, "address", address);
            leaf(&mut out, "reason", reason);
            leaf(&mut out, "redirectTime", &(START + 4000).to_string());
            out.push_str("</xsi:redirect>");
        }
        let connected = matches!(self.state, "Active" | "Held" | "Remote Held");
        if connected {
            out.push_str(
                "<xsi:endpoint xsi1:type=\"xsi:AccessEndpoint\">\
                 <xsi:addressOfRecord>2001@as.example.com</xsi:addressOfRecord></xsi:endpoint>",
            );
            leaf(&mut out, "appearance", "1");
        }
        if self.state == "Alerting" && self.personality == "Terminator" {
            out.push_str("<xsi:allowAnswer/>");
        }
        if self.state == "Held" {
            out.push_str("<xsi:allowRetrieve/>");
        }
        opt(&mut out, "recallType", self.recall);
        leaf(&mut out, "startTime", &START.to_string());
        if connected {
            leaf(&mut out, "answerTime", &(START + 1000).to_string());
        }
        if self.state == "Held" {
            leaf(&mut out, "heldTime", &(START + 2000).to_string());
        }
        if self.state == "Detached" {
            leaf(&mut out, "detachedTime", &(START + 5000).to_string());
        }
        if self.state == "Released" {
            leaf(&mut out, "releaseTime", &(START + 6000).to_string());
        }
        out.push_str("</xsi:call>");
        out
    }
}

fn leaf(out: &mut String, name: &str, text: &str) {
    out.push_str(&format!("<xsi:{name}>{text}</xsi:{name}>"));
}

fn opt(out: &mut String, name: &str, text: Option<&str>) {
    if let Some(t) = text {
        leaf(out, name, t);
    }
}

/// One `eventData`: its `xsi1:type` and its content.
#[derive(Clone, Debug)]
pub(super) struct Data {
    pub(super) ty: &'static str,
    pub(super) inner: String,
    /// Why the fixture is deliberately a document the Xsi schema does not
    /// allow (what a newer BroadWorks may send); every other one must pass
    /// the schema check ([`Harness::doc`]).
    pub(super) off_schema: Option<&'static str>,
}

impl Data {
    fn new(ty: &'static str, inner: String) -> Data {
        Data {
            ty,
            inner,
            off_schema: None,
        }
    }

    /// The same fixture, known to be outside the schema for reason `why`.
    pub(super) fn off_schema(self, why: &'static str) -> Data {
        Data {
            off_schema: Some(why),
            ..self
        }
    }
}

/// A single-call event (`eventData/call`).
pub(super) fn ev(ty: &'static str, c: &C) -> Data {
    Data::new(ty, c.xml())
}

/// `CallRedirectedEvent`: `calls/call+`.
pub(super) fn redirected(calls: &[C]) -> Data {
    let inner: String = calls.iter().map(C::xml).collect();
    Data::new(
        "CallRedirectedEvent",
        format!("<xsi:calls>{inner}</xsi:calls>"),
    )
}

/// `CallSubscriptionEvent`: `calls?, hookStatus`.
pub(super) fn subscription(calls: &[C], hook_status: &str) -> Data {
    let listed: String = calls.iter().map(C::xml).collect();
    let calls = if calls.is_empty() {
        String::new()
    } else {
        format!("<xsi:calls>{listed}</xsi:calls>")
    };
    Data::new(
        "CallSubscriptionEvent",
        format!("{calls}<xsi:hookStatus>{hook_status}</xsi:hookStatus>"),
    )
}

/// A conference event with the given participant legs.
pub(super) fn conference(ty: &'static str, state: &str, legs: &[&str]) -> Data {
    let participants: String = legs
        .iter()
        .map(|leg| {
            format!("<xsi:conferenceParticipant><xsi:callId>{leg}</xsi:callId></xsi:conferenceParticipant>")
        })
        .collect();
    Data::new(
        ty,
        format!(
            "<xsi:conference><xsi:state>{state}</xsi:state>\
             <xsi:conferenceParticipantList>{participants}</xsi:conferenceParticipantList>\
             </xsi:conference>"
        ),
    )
}

pub(super) fn raw(ty: &'static str, inner: &str) -> Data {
    Data::new(ty, inner.to_owned())
}

/// The complete `xsi:Event` document, as on the wire.
fn event_doc(event_id: &str, seq: u32, channel: &str, data: &Data) -> String {
    let body = if data.inner.is_empty() {
        format!("<xsi:eventData xsi1:type=\"xsi:{}\"/>", data.ty)
    } else {
        format!(
            "<xsi:eventData xsi1:type=\"xsi:{}\">{}</xsi:eventData>",
            data.ty, data.inner
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <xsi:Event xmlns:xsi=\"{XSI_NS}\" xmlns:xsi1=\"{XSI_TYPE_NS}\" xsi1:type=\"xsi:SubscriptionEvent\">\
         <xsi:eventID>{event_id}</xsi:eventID><xsi:sequenceNumber>{seq}</xsi:sequenceNumber>\
         <xsi:userId>{OWNER}</xsi:userId><xsi:externalApplicationId>{APP}</xsi:externalApplicationId>\
         <xsi:subscriptionId>{SUBSCRIPTION}</xsi:subscriptionId><xsi:channelId>{channel}</xsi:channelId>\
         <xsi:targetId>{USER}</xsi:targetId>{body}</xsi:Event>"
    )
}

pub(super) fn xsi_event(xml: &str) -> XsiEvent {
    match parse_doc(xml.as_bytes()) {
        Ok(XsiDoc::Event(ev)) => ev,
        other => panic!("not a subscription event ({other:?}):\n{xml}"),
    }
}

/// A translator fed with numbered documents of one subscription.
pub(super) struct Harness {
    pub(super) tr: Translator,
    seq: u32,
}

impl Harness {
    pub(super) fn new() -> Self {
        Harness {
            tr: Translator::default(),
            seq: 0,
        }
    }

    /// The next document of the subscription (sequence number and a fresh
    /// UUID-shaped eventID). It must be one the Xsi schema allows, unless
    /// the fixture says why not: the tables test what BroadWorks sends.
    pub(super) fn doc(&mut self, data: &Data) -> String {
        self.seq += 1;
        let id = format!("957d0482-6cdd-4189-b477-{:012x}", self.seq);
        let xml = event_doc(&id, self.seq, CHANNEL_A, data);
        let checked = bwcsta_integration::schema::xsi::check(&xml);
        match (data.off_schema, checked) {
            (None, Err(e)) => panic!("fixture {} is not valid Xsi: {e}\n{xml}", data.ty),
            (Some(why), Ok(())) => {
                panic!(
                    "fixture {} is valid Xsi, not off-schema ({why}):\n{xml}",
                    data.ty
                )
            }
            _ => {}
        }
        xml
    }

    /// Numbers, offers and translates one event; the CSTA documents.
    pub(super) fn feed(&mut self, data: &Data) -> Vec<String> {
        let xml = self.doc(data);
        self.offer(&xml, Instant::now())
    }

    /// Offers one document received on link 0; the CSTA documents of what
    /// it released.
    pub(super) fn offer(&mut self, xml: &str, now: Instant) -> Vec<String> {
        self.offer_on(xml, 0, now)
    }

    pub(super) fn offer_on(&mut self, xml: &str, link: usize, now: Instant) -> Vec<String> {
        let ready = self.tr.accept(xsi_event(xml), link, now);
        self.translate(&ready)
    }

    pub(super) fn translate(&mut self, ready: &[XsiEvent]) -> Vec<String> {
        let mut out = Vec::new();
        for ev in ready {
            let user = ev.target_id.clone().expect("targetId");
            for csta in self.tr.translate(&user, ev) {
                out.push(csta.to_xml(Edition::Ed3.namespace(), CROSS_REF, LOCAL));
            }
        }
        out
    }
}
