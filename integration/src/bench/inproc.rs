//! The in-process cost of bwcsta's work per event, as a yardstick for the end-to-end figure:
//! the same documents the simulator's flood sends, run on one thread through the same library
//! code the service runs — sxd-document parse and extraction (`xsi::parse`), exactly-once and
//! ordering (`Translator::accept`), the call model and mapping (`Translator::translate`), the
//! CSTA XML (`CstaEvent::to_xml`) and its frame — with no sockets, threads or queues. What the
//! service spends beyond this is the price of its I/O and hand-overs.

use std::time::Instant;

use bwcsta::csta::edition::Edition;
use bwcsta::csta::frame::{self, InvokeId};
use bwcsta::translate::Translator;
use bwcsta::xsi::parse::{parse_doc, XsiDoc, XsiEvent};

use crate::clock::thread_cpu_ns;

/// One flood document, parsed as the XSP threads parse it.
fn parse(doc: &[u8]) -> Result<XsiEvent, String> {
    match parse_doc(doc) {
        Ok(XsiDoc::Event(ev)) => Ok(ev),
        Ok(_) => Err("a flood document is not an event".into()),
        Err(e) => Err(format!("a flood document does not parse: {e}")),
    }
}

/// Orders one parsed event and turns what it releases into CSTA frames, as
/// the dispatcher does; returns how many frames.
fn translate(translator: &mut Translator, ev: XsiEvent) -> Result<u64, String> {
    let ns = Edition::Ed3.namespace();
    let mut frames = 0;
    for ready in translator.accept(ev, 0, Instant::now()) {
        let Some(user) = ready.target_id.as_deref() else {
            continue;
        };
        let device = user.split('@').next().unwrap_or(user);
        for out in translator.translate(user, &ready) {
            let xml = out.to_xml(ns, "1", device);
            let frame =
                frame::encode(InvokeId::EVENT, xml.as_bytes()).map_err(|e| e.to_string())?;
            std::hint::black_box(&frame);
            frames += 1;
        }
    }
    Ok(frames)
}

/// What a run of the pipeline did.
#[derive(Clone, Copy, Debug, Default)]
pub struct InProcess {
    pub events: u64,
    pub frames: u64,
    /// Thread CPU time per event, µs.
    pub us_per_event: f64,
}

/// Runs `docs` through the pipeline `passes` times (a fresh translator each pass, made outside
/// the measured time) and measures this thread's CPU time.
pub fn run(docs: &[Vec<u8>], passes: usize) -> Result<InProcess, String> {
    let mut total = InProcess::default();
    let mut cpu_ns = 0u64;
    for _ in 0..passes.max(1) {
        let mut translator = Translator::default();
        let mut frames = 0u64;
        let started = thread_cpu_ns();
        for doc in docs {
            frames += translate(&mut translator, parse(doc)?)?;
        }
        cpu_ns += thread_cpu_ns() - started;
        total.events += docs.len() as u64;
        total.frames += frames;
    }
    total.us_per_event = cpu_ns as f64 / 1000.0 / total.events.max(1) as f64;
    Ok(total)
}

/// The same work split as bwcsta splits it: one thread parses and hands
/// batches of events over a channel to a second that orders, translates and
/// frames them (the dispatcher). Measures both threads' CPU time: what the
/// hand-over between threads costs, with no socket involved.
pub fn run_split(docs: &[Vec<u8>], passes: usize) -> Result<InProcess, String> {
    let mut total = InProcess::default();
    let mut cpu_ns = 0u64;
    std::thread::scope(|scope| -> Result<(), String> {
        for _ in 0..passes.max(1) {
            let (tx, rx) = crossbeam_channel::bounded::<Vec<XsiEvent>>(1024);
            let translator = scope.spawn(move || {
                let mut translator = Translator::default();
                let started = thread_cpu_ns();
                let mut frames = 0u64;
                for batch in rx {
                    for ev in batch {
                        frames += translate(&mut translator, ev).unwrap_or(0);
                    }
                }
                (frames, thread_cpu_ns() - started)
            });
            let started = thread_cpu_ns();
            for chunk in docs.chunks(12) {
                let mut batch = Vec::with_capacity(chunk.len());
                for doc in chunk {
                    batch.push(parse(doc)?);
                }
                tx.send(batch)
                    .map_err(|_| "translator thread gone".to_owned())?;
            }
            drop(tx);
            let parse_ns = thread_cpu_ns() - started;
            let (frames, translate_ns) = translator
                .join()
                .map_err(|_| "translator thread panicked".to_owned())?;
            cpu_ns += parse_ns + translate_ns;
            total.events += docs.len() as u64;
            total.frames += frames;
        }
        Ok(())
    })?;
    total.us_per_event = cpu_ns as f64 / 1000.0 / total.events.max(1) as f64;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{SimConfig, Simulator};

    #[test]
    fn every_flood_document_becomes_one_frame() {
        let docs = Simulator::flood_documents(&SimConfig::default(), &["2001", "2002"], 50, "c");
        let r = run(&docs, 2).expect("runs");
        assert_eq!((r.events, r.frames), (100, 100));
        assert!(r.us_per_event > 0.0);
        let r = run_split(&docs, 2).expect("runs");
        assert_eq!((r.events, r.frames), (100, 100));
    }
}
