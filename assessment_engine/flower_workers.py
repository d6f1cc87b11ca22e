"""Flower 2.2 asks the workers what they consume (`inspect active_queues`, stats) once, when it
starts, and then only when a worker's page is opened. Started with the workers (`make run`,
compose), it asks before they answer, so its worker and queue lists stay empty but for the
default queue. `inspect_workers_as_they_appear` has it ask each worker as soon as that worker's
first event (online or heartbeat) arrives; `flowerconfig.py` calls it when Flower starts.
"""

WORKER_PRESENCE_EVENTS = ("worker-online", "worker-heartbeat")


def inspect_workers_as_they_appear() -> None:
    from flower.app import Flower

    if getattr(Flower.start, "inspects_new_workers", False):
        return
    start = Flower.start

    def start_inspecting_new_workers(self) -> None:
        receive = self.events.on_event  # runs on the events thread

        def on_event(event: dict) -> None:
            receive(event)
            worker = event.get("hostname")
            known = self.workers.get(worker, {})  # a get: `workers` is a defaultdict
            if event.get("type") in WORKER_PRESENCE_EVENTS and "active_queues" not in known:
                # Until it answers, each heartbeat asks again (Flower merges asks in flight).
                self.io_loop.add_callback(self.update_workers, worker)

        self.events.on_event = on_event
        start(self)

    start_inspecting_new_workers.inspects_new_workers = True
    Flower.start = start_inspecting_new_workers
