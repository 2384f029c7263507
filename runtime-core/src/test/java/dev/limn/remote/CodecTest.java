package dev.limn.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.chan.Channel;
import dev.limn.value.DurationValue;
import dev.limn.value.FutureValue;
import dev.limn.value.LimnError;
import dev.limn.vm.DictValue;
import dev.limn.vm.ListValue;
import dev.limn.vm.Values;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** The wire form of remote channels' values: every type round-trips; bad frames raise Malformed, never anything else. */
class CodecTest {

    private static byte[] frame(Object v) {
        ExpandableArrayBuffer b = new ExpandableArrayBuffer(8);
        int n = Codec.encode(v, b, 0);
        return Arrays.copyOf(b.byteArray(), n);
    }

    private static Object decode(byte[] frame) throws Codec.Malformed {
        return Codec.decode(new UnsafeBuffer(frame), 0, frame.length);
    }

    private static Object roundTrip(Object v) throws Codec.Malformed {
        return decode(frame(v));
    }

    private static ListValue list(Object... items) {
        return new ListValue(new ArrayList<>(Arrays.asList(items)));
    }

    private static DictValue sample() {
        DictValue d = new DictValue();
        d.put("name", "ünïcødé ✓");
        d.put(7L, list(1L, -2.5, true, false, null, new DurationValue(3_000_000_000L)));
        d.put(list(1L, 2L), new DictValue());
        return d;
    }

    @Test
    void everyTypeRoundTrips() throws Exception {
        Object[] values = {null, true, false, 0L, 1L, -1L, 63L, -64L, 64L, Long.MAX_VALUE, Long.MIN_VALUE, 0.0, -0.0, 1.5,
            Double.NaN, Double.POSITIVE_INFINITY, "", "hello", "ünïcødé ✓ 😀", new DurationValue(0), new DurationValue(-5),
            new DurationValue(Long.MAX_VALUE), list(), list(1L, "two", 3.0, list(list())), new DictValue(), sample()};
        for (Object v : values) {
            Object back = roundTrip(v);
            assertEquals(Values.repr(v), Values.repr(back), "round trip of " + Values.repr(v));
            assertEquals(Values.typeName(v), Values.typeName(back));
        }
        assertEquals(-0.0, (double) roundTrip(-0.0), 0.0);
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((double) roundTrip(-0.0)));
        DictValue d = (DictValue) roundTrip(sample());
        assertEquals(3, d.size());
        assertEquals("ünïcødé ✓", d.get("name"));
        assertTrue(d.has(list(1L, 2L)), "a list key keeps its structural equality");
    }

    @Test
    void intsAreCompact() {
        ExpandableArrayBuffer b = new ExpandableArrayBuffer(16);
        assertEquals(3, Codec.encodeInt(5, b, 0));
        assertEquals(3, Codec.encodeInt(-64, b, 0));
        assertEquals(4, Codec.encodeInt(64, b, 0));
        assertEquals(12, Codec.encodeInt(Long.MIN_VALUE, b, 0));
        assertEquals(3, frame(5L).length, "an int sent as an object has the same frame");
        assertEquals(2, Codec.encodeEnd(b, 0));
    }

    @Test
    void intFramesMatchObjectFrames() throws Exception {
        SplittableRandom r = new SplittableRandom(1);
        ExpandableArrayBuffer b = new ExpandableArrayBuffer(16);
        for (int i = 0; i < 10_000; i++) {
            long v = r.nextLong() >> r.nextInt(64);
            int n = Codec.encodeInt(v, b, 0);
            assertEquals(v, Codec.decode(b, 0, n));
            assertEquals(Arrays.toString(frame(v)), Arrays.toString(Arrays.copyOf(b.byteArray(), n)));
        }
    }

    @Test
    void endOfStreamFrame() throws Exception {
        ExpandableArrayBuffer b = new ExpandableArrayBuffer(4);
        int n = Codec.encodeEnd(b, 0);
        assertSame(Codec.END, Codec.decode(b, 0, n));
    }

    @Test
    void valuesThatCannotCrossNameTheirType() {
        Object[][] cases = {
            {Channel.bounded(1), "channel"},
            {new FutureValue("f"), "future"},
            {list(1L, list(Channel.bounded(1))), "channel"},
        };
        for (Object[] c : cases) {
            LimnError e = assertThrows(LimnError.class, () -> frame(c[0]));
            assertEquals("TypeMismatch", e.value.kind);
            assertTrue(e.getMessage().contains("a " + c[1] + " cannot be sent to another process"), e.getMessage());
        }
    }

    @Test
    void aListHoldingItselfIsRefused() {
        ListValue l = list(1L);
        l.items().add(l);
        LimnError e = assertThrows(LimnError.class, () -> frame(l));
        assertTrue(e.getMessage().contains("nested deeper than " + Codec.MAX_DEPTH), e.getMessage());
    }

    @Test
    void otherVersionsAndLeftoversAreRefused() {
        byte[] f = frame(5L);
        f[0] = 2;
        Codec.Malformed e = assertThrows(Codec.Malformed.class, () -> decode(f));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
        byte[] longer = Arrays.copyOf(frame(5L), 4);
        e = assertThrows(Codec.Malformed.class, () -> decode(longer));
        assertTrue(e.getMessage().contains("left over"), e.getMessage());
        assertThrows(Codec.Malformed.class, () -> decode(new byte[0]));
        assertThrows(Codec.Malformed.class, () -> decode(new byte[] {Codec.VERSION, 99}));
        // a count far beyond the frame allocates nothing
        assertThrows(Codec.Malformed.class, () -> decode(new byte[] {Codec.VERSION, Codec.LIST, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F}));
        byte[] deep = new byte[2 + 2 * (Codec.MAX_DEPTH + 5)];
        deep[0] = Codec.VERSION;
        for (int i = 1; i + 1 < deep.length; i += 2) {
            deep[i] = Codec.LIST;
            deep[i + 1] = 1;
        }
        e = assertThrows(Codec.Malformed.class, () -> decode(deep));
        assertTrue(e.getMessage().contains("nested deeper") || e.getMessage().contains("truncated"), e.getMessage());
    }

    /** Every truncation and many random corruptions of real frames: a value or Malformed, nothing else. */
    @Test
    void fuzzedFramesGiveAValueOrMalformed() {
        List<byte[]> frames = new ArrayList<>();
        frames.add(frame(sample()));
        frames.add(frame(list(1L, "x", list(2.5, new DurationValue(9)), null, true)));
        frames.add(frame("a longer string, with ünïcødé"));
        frames.add(frame(Long.MIN_VALUE));
        SplittableRandom r = new SplittableRandom(42);
        int malformed = 0;
        int decoded = 0;
        for (byte[] f : frames) {
            for (int len = 0; len < f.length; len++) {
                byte[] cut = Arrays.copyOf(f, len);
                assertThrows(Codec.Malformed.class, () -> decode(cut), "a frame cut to " + len + " of " + f.length + " bytes");
                malformed++;
            }
            for (int i = 0; i < 20_000; i++) {
                byte[] g = f.clone();
                int flips = 1 + r.nextInt(4);
                for (int k = 0; k < flips; k++) {
                    g[r.nextInt(g.length)] = (byte) r.nextInt(256);
                }
                try {
                    decode(g);
                    decoded++;
                } catch (Codec.Malformed e) {
                    malformed++;
                }
            }
        }
        for (int i = 0; i < 50_000; i++) {
            byte[] g = new byte[r.nextInt(40)];
            for (int k = 0; k < g.length; k++) {
                g[k] = (byte) r.nextInt(256);
            }
            if (g.length > 0 && r.nextBoolean()) {
                g[0] = Codec.VERSION;
            }
            try {
                decode(g);
                decoded++;
            } catch (Codec.Malformed e) {
                malformed++;
            }
        }
        assertTrue(malformed > 1000 && decoded > 100, "both outcomes seen: " + malformed + " malformed, " + decoded + " decoded");
    }
}
