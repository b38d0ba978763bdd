"""The shared-memory mailbox: latest frame wins, a reader never sees a half-written frame, the
writer never waits for the reader, and backoff is capped with jitter."""

from __future__ import annotations

import os
import random
import time
from typing import Any

import numpy as np

from video.capture_worker import Backoff
from video.mailbox import Field, MailboxReader, MailboxWriter
from video.sources import fit_size
from video.supervisor import capture_context

W, H = 640, 360


def write_frames(name: str, lock: Any, seconds: float) -> None:
    """In another process: publish frames as fast as possible, each filled with its sequence."""
    writer = MailboxWriter(name, lock)
    end = time.monotonic() + seconds
    sequence = 0
    while time.monotonic() < end:
        sequence += 1
        target = writer.target(W, H)
        target[...] = sequence % 251
        writer.publish(W, H, time.time_ns(), 0, (W, H))
    writer.close()


def test_reader_never_sees_a_half_written_frame_and_the_writer_never_waits() -> None:
    context = capture_context()
    reader = MailboxReader(context.Lock())
    try:
        process = context.Process(target=write_frames, args=(reader.name, reader.lock, 2.0))  # type: ignore[attr-defined]
        process.start()
        checked, last = 0, 0
        deadline = time.monotonic() + 30
        while process.is_alive() and time.monotonic() < deadline:
            frame = reader.acquire()
            if frame is None or frame.sequence == last:
                continue
            assert frame.sequence > last  # never an older frame after a newer one
            last = frame.sequence
            # hold the frame as a slow paint would, then check every pixel is of one frame
            time.sleep(0.002)
            pixels = frame.pixels
            assert int(pixels[0, 0, 0]) == frame.sequence % 251  # the descriptor matches the pixels
            assert int(pixels.min()) == int(pixels.max())  # one frame, not two halves
            checked += 1
        process.join(10)
        assert process.exitcode == 0
        assert checked > 50
        # the writer published far more than the reader looked at: latest wins, nothing queued
        assert reader.published > 2 * checked
    finally:
        reader.close()


def test_messages_and_control_round_trip() -> None:
    context = capture_context()
    reader = MailboxReader(context.Lock())
    try:
        writer = MailboxWriter(reader.name, reader.lock)
        reader.want(True, 1, 4000, 300)
        generation, active, stream, width, height, quit_ = writer.control()
        assert (active, stream, width, height, quit_) == (True, 1, 1920, 300, False)  # clamped to a slot
        reader.want(True, 1, 4000, 300)
        assert writer.control()[0] == generation  # nothing changed: no new generation
        writer.status(2, "live from rtsp://***@cam/1")
        assert reader.read_message() == "live from rtsp://***@cam/1"
        assert reader.get(Field.STATE) == 2
        writer.close()
    finally:
        reader.close()


def test_backoff_doubles_to_a_cap_with_jitter_and_resets() -> None:
    backoff = Backoff(first=0.5, cap=4.0, rng=random.Random(1))
    delays = [backoff.next_delay() for _ in range(8)]
    assert 0.375 <= delays[0] <= 0.625
    assert all(d <= 4.0 for d in delays)
    assert delays[-1] >= 3.0  # at the cap, less jitter
    assert len({round(d, 3) for d in delays[4:]}) > 1  # jitter: not in lock step
    backoff.reset()
    assert backoff.next_delay() <= 0.625


def test_fit_size_keeps_the_aspect_and_never_scales_up() -> None:
    assert fit_size(1280, 720, 480, 480) == (480, 270)
    assert fit_size(320, 240, 1920, 1080) == (320, 240)
    assert fit_size(704, 576, 480, 270) == (330, 270)
    assert fit_size(640, 360, 0, 0) == (640, 360)
    assert np.all(np.array(fit_size(1, 1, 1, 1)) >= 1)
    # a reduction within 3 px of the box is stretched to it (the wall's tiles are 16:9 to a pixel or two)
    assert fit_size(640, 360, 477, 267) == (477, 267)
    assert fit_size(640, 360, 480, 267) == (475, 267)
    assert fit_size(640, 360, 477, 268) == (477, 268)


def test_reader_reuses_one_view_per_slot_and_one_descriptor_per_frame() -> None:
    context = capture_context()
    reader = MailboxReader(context.Lock())
    try:
        writer = MailboxWriter(reader.name, reader.lock)
        assert reader.acquire() is None and reader.published == 0
        seen = []
        for n in range(1, 8):
            writer.target(W, H)[...] = n
            writer.publish(W, H, 1000 + n, 1, (1280, 720))
            frame = reader.acquire()
            assert frame is not None and frame.sequence == n == reader.published
            described = (frame.captured_ns, frame.stream, frame.source_width, frame.source_height)
            assert described == (1000 + n, 1, 1280, 720)
            assert int(frame.pixels[5, 5, 0]) == n and frame.pixels.shape == (H, W, 4)
            assert reader.acquire() is frame  # nothing newer: the same frame, not a new descriptor
            seen.append(frame.pixels)
        # three buffers, each viewed through one array for as long as the size stays
        assert len({id(p) for p in seen}) == 3
        assert reader.get(Field.SOURCE_W) == 1280 and reader.get(Field.LATEST) in (0, 1, 2)
        writer.target(320, 180)[...] = 9
        writer.publish(320, 180, 2000, 0, (320, 180))
        frame = reader.acquire()
        assert frame is not None and frame.pixels.shape == (180, 320, 4) and int(frame.pixels[0, 0, 0]) == 9
        writer.close()
    finally:
        del seen, frame
        reader.close()
    assert not os.path.exists(f"/dev/shm/{reader.name.lstrip('/')}")


def test_writer_never_writes_the_slot_the_reader_holds() -> None:
    context = capture_context()
    reader = MailboxReader(context.Lock())
    try:
        writer = MailboxWriter(reader.name, reader.lock)
        writer.target(W, H)[...] = 1
        writer.publish(W, H, 1, 0, (W, H))
        held = reader.acquire()
        assert held is not None
        held_slot = reader.get(Field.READING)
        for n in range(2, 20):  # the GUI holds one frame while the helper publishes many
            assert writer._next != held_slot
            writer.target(W, H)[...] = n
            writer.publish(W, H, n, 0, (W, H))
        assert int(held.pixels.min()) == int(held.pixels.max()) == 1
        writer.close()
    finally:
        held = None
        reader.close()


def test_a_restarted_writer_leaves_the_slot_the_reader_holds_alone() -> None:
    context = capture_context()
    reader = MailboxReader(context.Lock())
    held = None
    try:
        first = MailboxWriter(reader.name, reader.lock)
        first.target(W, H)[...] = 7
        first.publish(W, H, 1, 0, (W, H))
        held = reader.acquire()
        assert held is not None and int(held.pixels.max()) == 7
        first.close()  # the helper dies; the GUI keeps showing its last frame
        second = MailboxWriter(reader.name, reader.lock)
        assert second._next != reader.get(Field.READING)
        second.target(W, H)[...] = 9
        second.publish(W, H, 2, 0, (W, H))
        assert int(held.pixels.min()) == int(held.pixels.max()) == 7  # nothing written under the GUI
        newer = reader.acquire()
        assert newer is not None and newer.sequence > 1 and int(newer.pixels.max()) == 9
        second.close()
    finally:
        held = newer = None
        reader.close()
