//! Properties of cart sync: however pushes are split, lost, repeated or
//! answered late, every mutation changes the server cart exactly once, the
//! server ends where a single push would have taken it, and every client ends
//! with the server's cart.

mod cart_support;

use cart_support::{op, snapshot};
use commerce_core::cart::CartOp;
use commerce_core::catalog::Catalog;
use commerce_core::sync::{client_rebase, server_apply, ClientState, PushResponse, ServerState};
use proptest::prelude::*;
use proptest::sample::Index;

/// One thing that happens to a client.
#[derive(Debug, Clone)]
enum Event {
    /// The shopper performs an operation (offline or not).
    Act(CartOp),
    /// The client pushes; the push may be lost, and so may its answer.
    Push { arrives: bool, answered: bool },
    /// An earlier answer arrives (late, or a second time).
    LateAnswer(Index),
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        4 => op().prop_map(Event::Act),
        2 => (any::<bool>(), any::<bool>())
            .prop_map(|(arrives, answered)| Event::Push { arrives, answered }),
        1 => any::<Index>().prop_map(Event::LateAnswer),
    ]
}

/// A client and everything the network did to its answers.
struct Device {
    client: ClientState,
    answers: Vec<PushResponse>,
}

impl Device {
    fn new(id: &str) -> Self {
        Device {
            client: ClientState::new(id),
            answers: Vec::new(),
        }
    }

    fn handle(&mut self, event: &Event, server: &mut ServerState, catalog: &Catalog<'_>) {
        match event {
            Event::Act(op) => {
                if let Ok((client, _)) = self.client.clone().mutate(op, catalog) {
                    self.client = client;
                }
            }
            Event::Push { arrives, answered } => {
                if *arrives {
                    let answer = self.sync_once(server, catalog, *answered);
                    self.answers.push(answer);
                }
            }
            Event::LateAnswer(pick) => {
                if !self.answers.is_empty() {
                    let answer = &self.answers[pick.index(self.answers.len())];
                    self.client = client_rebase(self.client.clone(), answer, catalog).0;
                }
            }
        }
    }

    /// Push everything pending; apply the answer if it comes back.
    fn sync_once(
        &mut self,
        server: &mut ServerState,
        catalog: &Catalog<'_>,
        answered: bool,
    ) -> PushResponse {
        let (next, answer) = server_apply(std::mem::take(server), &self.client.push(), catalog);
        *server = next;
        if answered {
            self.client = client_rebase(self.client.clone(), &answer, catalog).0;
        }
        answer
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_sync_schedule_ends_where_one_push_would(events in prop::collection::vec(event(), 0..40)) {
        let snapshot = snapshot();
        let catalog = Catalog::new(&snapshot).unwrap();

        let mut server = ServerState::default();
        let mut phone = Device::new("phone");
        for event in &events {
            phone.handle(event, &mut server, &catalog);
        }
        phone.sync_once(&mut server, &catalog, true);

        let mut reference_server = ServerState::default();
        let mut reference = Device::new("phone");
        for event in events.iter().filter(|e| matches!(e, Event::Act(_))) {
            reference.handle(event, &mut reference_server, &catalog);
        }
        let everything = reference.client.push();
        reference.sync_once(&mut reference_server, &catalog, true);

        prop_assert_eq!(&server.cart, &reference_server.cart);
        prop_assert_eq!(&phone.client.cart, &server.cart);
        prop_assert!(phone.client.pending.is_empty());
        prop_assert_eq!(
            server.last_mutation_ids.get("phone").copied().unwrap_or(0),
            phone.client.last_mutation_id
        );

        // Replaying every mutation ever made, twice, changes nothing.
        for _ in 0..2 {
            let (again, answer) = server_apply(server.clone(), &everything, &catalog);
            prop_assert_eq!(&again, &server);
            prop_assert!(answer.results.iter().all(|r| r.status == commerce_core::sync::MutationStatus::Duplicate));
        }
    }

    #[test]
    fn two_devices_converge_on_the_server_cart(
        events in prop::collection::vec((any::<bool>(), event()), 0..40),
    ) {
        let snapshot = snapshot();
        let catalog = Catalog::new(&snapshot).unwrap();
        let mut server = ServerState::default();
        let mut devices = [Device::new("phone"), Device::new("tablet")];
        for (second, event) in &events {
            devices[usize::from(*second)].handle(event, &mut server, &catalog);
        }
        for device in &mut devices {
            device.sync_once(&mut server, &catalog, true);
        }
        devices[0].sync_once(&mut server, &catalog, true);
        for device in &devices {
            prop_assert_eq!(&device.client.cart, &server.cart);
            prop_assert!(device.client.pending.is_empty());
        }
    }

    #[test]
    fn login_merges_the_guest_cart_once(
        guest_ops in prop::collection::vec(op(), 0..10),
        user_ops in prop::collection::vec(op(), 0..10),
        retries in 1usize..4,
    ) {
        let snapshot = snapshot();
        let catalog = Catalog::new(&snapshot).unwrap();
        let mut server = ServerState::default();
        let mut user = Device::new("tablet");
        for op in &user_ops {
            user.handle(&Event::Act(op.clone()), &mut server, &catalog);
        }
        user.sync_once(&mut server, &catalog, true);
        let mut guest = Device::new("guest");
        for op in &guest_ops {
            guest.handle(&Event::Act(op.clone()), &mut ServerState::default(), &catalog);
        }
        let mut expected = server.cart.clone();
        let mut warnings = Vec::new();
        let guest_lines = guest.client.cart.all_lines().cloned().collect();
        expected
            .step(&CartOp::MergeGuest { lines: guest_lines }, &catalog, &mut warnings)
            .unwrap();

        guest.client = guest.client.clone().login("phone");
        for _ in 0..retries {
            guest.sync_once(&mut server, &catalog, false);
        }
        guest.sync_once(&mut server, &catalog, true);
        prop_assert_eq!(&server.cart, &expected);
        prop_assert_eq!(&guest.client.cart, &expected);
    }
}
