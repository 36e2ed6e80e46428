//! Channels of the shared BroadWorks: open (with the `DuplicateChannelSet` rule), heartbeat,
//! renew and delete on the owning XSP only, and closing.

use std::fmt::Write as _;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use super::{deadline, grant, ChannelParams, ChannelRec, Close, Opened, Refusal, State};
use crate::sim::outbox::{ChannelShared, EndReason, EventDoc, Out};
use crate::sim::xml::{escape, DECL};

impl State {
    /// Opens a channel owned by XSP `xsp`. `sock` is a clone of the streaming socket, used to
    /// close it abruptly.
    pub(crate) fn open_channel(
        &mut self,
        xsp: usize,
        params: &ChannelParams,
        sock: Option<TcpStream>,
    ) -> Opened {
        let ChannelParams {
            set_id,
            app_id,
            expires: asked,
            priority,
            weight,
        } = params;
        let (set_id, app_id, priority, weight) =
            (set_id.as_str(), app_id.as_str(), *priority, *weight);
        if !app_id.is_empty() {
            if let Some(old) = self.app_sets.insert(app_id.to_string(), set_id.to_string()) {
                if old != set_id {
                    let victims = self
                        .sets
                        .get(&old)
                        .map(|s| s.live.clone())
                        .unwrap_or_default();
                    for idx in victims {
                        self.terminate_channel(idx, EndReason::DuplicateChannelSet);
                    }
                }
            }
        }
        let now = Instant::now();
        let expires = grant(*asked, self.channel_expires);
        let (tx, rx) = crossbeam_channel::unbounded();
        let shared = Arc::new(ChannelShared::default());
        let channel_id = self.new_id();
        let index = self.channels.len();
        self.channels.push(ChannelRec {
            id: channel_id.clone(),
            xsp,
            set_id: set_id.to_string(),
            app_id: app_id.to_string(),
            priority,
            weight,
            open: true,
            deleted_explicitly: false,
            close_reason: None,
            expires,
            expires_at: deadline(now, expires),
            last_heartbeat: now,
            heartbeats: 0,
            acks: 0,
            tx: Some(tx),
            shared: shared.clone(),
            sock,
        });
        self.channel_by_id.insert(channel_id.clone(), index);
        let set = self.sets.entry(set_id.to_string()).or_default();
        set.live.push(index);
        let pending: Vec<Arc<EventDoc>> = set.pending.drain(..).collect();
        self.log(|| {
            format!("channel {channel_id} opened on xsp {xsp} (set {set_id}, expires {expires})")
        });
        for doc in pending {
            self.route(doc, &[]);
        }
        Opened {
            index,
            channel_id,
            expires,
            rx,
            shared,
        }
    }

    /// The open channel `id` owned by `xsp`.
    fn owned(&self, xsp: usize, id: &str) -> Result<usize, Refusal> {
        match self.channel_by_id.get(id) {
            Some(&idx) if self.channels[idx].xsp == xsp && self.channels[idx].open => Ok(idx),
            _ => Err(Refusal::NotFound),
        }
    }

    /// Accepts a heartbeat PUT; the heartbeat document is queued by [`State::send_heartbeat`].
    pub(crate) fn heartbeat(&mut self, xsp: usize, id: &str) -> Result<usize, Refusal> {
        let idx = self.owned(xsp, id)?;
        let ch = &mut self.channels[idx];
        ch.heartbeats += 1;
        ch.last_heartbeat = Instant::now();
        Ok(idx)
    }

    pub(crate) fn send_heartbeat(&mut self, idx: usize) {
        if let Some(tx) = self
            .channels
            .get(idx)
            .filter(|c| c.open)
            .and_then(|c| c.tx.as_ref())
        {
            let _ = tx.send(Out::Heartbeat);
        }
    }

    /// Renews channel `id`: the granted expires.
    pub(crate) fn renew(
        &mut self,
        xsp: usize,
        id: &str,
        asked: Option<u32>,
    ) -> Result<u32, Refusal> {
        let idx = self.owned(xsp, id)?;
        let expires = grant(asked, self.channel_expires);
        let ch = &mut self.channels[idx];
        ch.expires = expires;
        ch.expires_at = deadline(Instant::now(), expires);
        Ok(expires)
    }

    /// Checks a DELETE of channel `id`; the channel is closed by [`State::finish_delete`] once
    /// the response is out.
    pub(crate) fn delete_channel(&mut self, xsp: usize, id: &str) -> Result<usize, Refusal> {
        let idx = self.owned(xsp, id)?;
        self.channels[idx].deleted_explicitly = true;
        Ok(idx)
    }

    pub(crate) fn finish_delete(&mut self, idx: usize) {
        self.terminate_channel(idx, EndReason::ExplicitDelete);
    }

    /// The `ChannelSet` document for `set_id` (its open channels).
    pub(crate) fn channel_set_doc(&self, set_id: &str) -> Option<String> {
        let set = self.sets.get(set_id)?;
        let mut doc = format!("{DECL}\n<ChannelSet xmlns=\"http://schema.broadsoft.com/xsi\">");
        for &idx in &set.live {
            let c = &self.channels[idx];
            let _ = write!(
                doc,
                "<channel><channelId>{}</channelId><channelSetId>{}</channelSetId><priority>{}</priority><weight>{}</weight><expires>{}</expires></channel>",
                c.id,
                escape(&c.set_id),
                c.priority,
                c.weight,
                c.expires
            );
        }
        doc.push_str("</ChannelSet>");
        Some(doc)
    }

    /// Ends channel `idx` with a `ChannelTerminatedEvent` for `reason`, which is also the
    /// close reason the stats show.
    pub(crate) fn terminate_channel(&mut self, idx: usize, reason: EndReason) {
        let text = reason.to_string();
        self.close_channel(idx, Close::Terminate(reason), &text);
    }

    /// Closes channel `idx` (no-op when already closed).
    pub(crate) fn close_channel(&mut self, idx: usize, how: Close, reason: &str) {
        let Some(ch) = self.channels.get_mut(idx) else {
            return;
        };
        if !ch.open {
            return;
        }
        ch.open = false;
        ch.close_reason = Some(reason.to_string());
        let tx = ch.tx.take();
        match how {
            Close::Abort => {
                ch.shared.abort.store(true, Ordering::Release);
                if let Some(sock) = &ch.sock {
                    let _ = sock.shutdown(Shutdown::Both);
                }
            }
            Close::Terminate(r) => {
                if let Some(tx) = &tx {
                    let _ = tx.send(Out::Terminate(r));
                }
            }
            Close::Finish => {
                if let Some(tx) = &tx {
                    let _ = tx.send(Out::Finish);
                }
            }
        }
        let (id, set_id, xsp) = (ch.id.clone(), ch.set_id.clone(), ch.xsp);
        if let Some(set) = self.sets.get_mut(&set_id) {
            set.live.retain(|&i| i != idx);
        }
        self.log(|| format!("channel {id} on xsp {xsp} closed ({reason})"));
    }

    /// The writer of channel `idx` has stopped.
    pub(crate) fn channel_gone(&mut self, idx: usize, reason: &str) {
        if let Some(ch) = self.channels.get_mut(idx) {
            ch.sock = None;
        }
        self.close_channel(idx, Close::Abort, reason);
    }

    /// Closes every open channel of XSP `xsp` (all XSPs for `None`).
    pub(crate) fn close_channels_of(
        &mut self,
        xsp: Option<usize>,
        how: Close,
        reason: &str,
    ) -> usize {
        let victims: Vec<usize> = (0..self.channels.len())
            .filter(|&i| self.channels[i].open && xsp.is_none_or(|x| self.channels[i].xsp == x))
            .collect();
        for &idx in &victims {
            self.close_channel(idx, how.clone(), reason);
        }
        victims.len()
    }

    pub(crate) fn abort_all_channels(&mut self) {
        self.close_channels_of(None, Close::Abort, "simulator stopped");
    }

    /// Sum of queued documents over the open channels (flood back-pressure).
    pub(crate) fn queued(&self) -> usize {
        self.channels
            .iter()
            .filter(|c| c.open)
            .filter_map(|c| c.tx.as_ref())
            .map(|tx| tx.len())
            .sum()
    }
}
