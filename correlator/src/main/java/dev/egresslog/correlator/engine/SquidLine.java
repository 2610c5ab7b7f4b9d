package dev.egresslog.correlator.engine;

/** A Squid line while the join holds it: the line, its start on the mesh's clock, and its join. */
final class SquidLine {
    final SquidHop hop;
    /** Start and end on the mesh's clock. */
    final long start;
    final long end;
    /** What the line says, hashed ({@link SquidHop#content}): ties among equal starts. */
    final long content;
    /** The offset removed (squid - mesh), and whether it was learned rather than assumed. */
    final long offset;
    final boolean offsetKnown;
    EnvoyLine upstream;

    SquidLine(SquidHop hop, long offset, boolean offsetKnown) {
        this.hop = hop;
        this.offset = offset;
        this.offsetKnown = offsetKnown;
        this.start = hop.start() - offset;
        this.end = start + hop.elapsed();
        this.content = hop.content();
    }
}
