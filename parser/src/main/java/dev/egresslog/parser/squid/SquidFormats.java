package dev.egresslog.parser.squid;

import dev.egresslog.parser.format.LineTemplate;

import java.util.List;

/** Squid's built-in logformats (squid.conf.documented, unchanged from Squid 3.2 to 7). */
public final class SquidFormats {
    public static final String SQUID = "%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt";
    public static final String COMMON = "%>a %[ui %[un [%tl] \"%rm %ru HTTP/%rv\" %>Hs %<st %Ss:%Sh";
    public static final String COMBINED = "%>a %[ui %[un [%tl] \"%rm %ru HTTP/%rv\" %>Hs %<st \"%{Referer}>h\" "
            + "\"%{User-Agent}>h\" %Ss:%Sh";

    /*
     * Real native lines sometimes lack the last field, %mt (old documentation examples, lines a
     * terminal cut); real common lines sometimes lack %Ss:%Sh. Both are read, with the value null.
     */
    private static final List<LineTemplate<SquidBuilder>> BUILT_IN = List.of(
            SquidFormat.compile("squid", SQUID).withOptionalTrailing(1),
            SquidFormat.compile("combined", COMBINED),
            SquidFormat.compile("common", COMMON).withOptionalTrailing(1));

    private SquidFormats() {
    }

    static List<LineTemplate<SquidBuilder>> builtIn() {
        return BUILT_IN;
    }

}
