//! Which process this thread is running: marked while a process's task is polled or
//! dropped, so whatever records events can name the process behind each one
//! ([`running`]). A `tracing` span per process did this before; entering and leaving
//! it on every poll went through the subscriber, a few percent of a run.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::Pid;

thread_local! {
    /// Each simulation runs on one thread, so this is the process its executor polls.
    static RUNNING: Cell<Option<Pid>> = const { Cell::new(None) };
}

/// The process whose code this thread is running (or whose task it is dropping), if
/// any: the actor of an event emitted now.
pub fn running() -> Option<Pid> {
    RUNNING.with(Cell::get)
}

/// Marks a process as running until dropped, then puts back what ran before.
struct Mark {
    before: Option<Pid>,
}

impl Mark {
    fn new(pid: Pid) -> Mark {
        Mark { before: RUNNING.with(|running| running.replace(Some(pid))) }
    }
}

impl Drop for Mark {
    fn drop(&mut self) {
        RUNNING.with(|running| running.set(self.before));
    }
}

/// A process's task: its future, polled and dropped with its pid marked as running
/// (drop guards that run when a crash aborts the task act as the process too).
pub(crate) struct AsProcess<F> {
    pid: Pid,
    future: Option<Pin<Box<F>>>,
}

impl<F: Future> AsProcess<F> {
    pub(crate) fn new(pid: Pid, future: F) -> Self {
        AsProcess { pid, future: Some(Box::pin(future)) }
    }
}

impl<F: Future> Future for AsProcess<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let _running = Mark::new(self.pid);
        match self.future.as_mut() {
            Some(future) => future.as_mut().poll(cx),
            None => Poll::Pending,
        }
    }
}

impl<F> Drop for AsProcess<F> {
    fn drop(&mut self) {
        let _running = Mark::new(self.pid);
        self.future = None;
    }
}
