package dev.limn.vm;

import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.c;
import static dev.limn.vm.Instr.sc;

/**
 * The listing of {@code limn disasm}: per function a header, then one line per
 * instruction: pc, source line, opcode name, operands (registers as {@code rN}, constants
 * as {@code kN}, captured boxes as {@code uN}), and a comment with constant values, jump
 * targets and names. Nested functions follow their parent. Operand printing follows each
 * opcode's {@link Opcode.Format}.
 */
public final class Disassembler {
    private Disassembler() {}

    public static String disassemble(Proto main) {
        return disassemble(main, false);
    }

    /** With {@code tier}, each function's listing ends with what the compiled tier would do with it ({@code limn disasm --tier}). */
    public static String disassemble(Proto main, boolean tier) {
        StringBuilder sb = new StringBuilder();
        function(sb, main, tier);
        return sb.toString();
    }

    private static void function(StringBuilder sb, Proto p, boolean tier) {
        sb.append("fn ").append(p.name == null ? "anonymous" : p.name)
                .append(" (params ").append(p.numParams).append(", registers ").append(p.maxRegs)
                .append(", constants ").append(p.kTag.length).append(", functions ").append(p.protos.length).append(")\n");
        for (int pc = 0; pc < p.code.length; pc++) {
            sb.append(line(p, pc)).append('\n');
        }
        for (int i = 0; i < p.exStart.length; i++) {
            sb.append("  handler [").append(p.exStart[i]).append(", ").append(p.exEnd[i]).append(") -> ")
                    .append(p.exHandler[i]).append(" error in r").append(p.exReg[i]).append('\n');
        }
        if (tier) {
            sb.append(TierCompiler.describe(p));
        }
        for (Proto nested : p.protos) {
            sb.append('\n');
            function(sb, nested, tier);
        }
    }

    /** One instruction's line. */
    public static String line(Proto p, int pc) {
        long i = p.code[pc];
        Opcode op = Opcode.of(Instr.op(i));
        String operands;
        String comment = "";
        int target = pc + 1 + sc(i);
        switch (op.format) {
            case NONE -> operands = "";
            case A -> operands = "r" + a(i);
            case AB -> operands = "r" + a(i) + " r" + b(i) + (op == Opcode.NEWATOMIC && Instr.k(i) != 0 ? " heap" : "");
            case AB_BOOL -> operands = "r" + a(i) + " " + (b(i) != 0);
            case ABC -> operands = "r" + a(i) + " r" + b(i) + " r" + c(i) + (op == Opcode.RANGE ? (Instr.k(i) != 0 ? " .." : " ..<") : "");
            case ABK -> {
                operands = "r" + a(i) + " r" + b(i) + " k" + c(i);
                comment = kv(p, c(i));
            }
            case AKC -> {
                operands = "r" + a(i) + " k" + c(i);
                comment = kv(p, c(i));
            }
            case AI -> operands = "r" + a(i) + " " + sc(i);
            case AUP -> {
                operands = "r" + a(i) + " u" + b(i);
                comment = b(i) < p.upNames.length ? p.upNames[b(i)] : "";
            }
            case APROTO -> {
                operands = "r" + a(i) + " f" + c(i);
                comment = "fn " + p.protos[c(i)].displayName();
            }
            case J -> {
                operands = Integer.toString(sc(i));
                comment = "to " + target;
            }
            case AUPJ -> {
                operands = "r" + a(i) + " u" + b(i) + " " + sc(i);
                comment = (b(i) < p.upNames.length ? p.upNames[b(i)] + ", " : "") + "to " + target;
            }
            case AJ -> {
                operands = "r" + a(i) + " " + sc(i) + " k=" + Instr.k(i);
                comment = "to " + target;
            }
            case ABJ -> {
                operands = "r" + a(i) + " r" + b(i) + " " + sc(i) + " k=" + Instr.k(i);
                comment = "to " + target;
            }
            case AKJ -> {
                operands = "r" + a(i) + " k" + b(i) + " " + sc(i) + " k=" + Instr.k(i);
                comment = kv(p, b(i)) + ", to " + target;
            }
            case AIT -> {
                operands = "r" + a(i) + " " + b(i) + " " + sc(i);
                comment = "to " + target;
            }
            case ACALL -> operands = "r" + a(i) + " " + b(i);
            case ABUILTIN -> {
                operands = "r" + a(i) + " " + b(i) + " " + c(i);
                comment = Builtin.of(c(i)).limnName;
            }
            case AMETHOD -> {
                operands = "r" + a(i) + " " + b(i) + " k" + c(i);
                comment = String.valueOf(p.kRef[c(i)]);
            }
            case ATYPE -> {
                operands = "r" + a(i) + " " + Types.name(b(i)) + (op == Opcode.CHECKTYPE ? " k" + c(i) : "");
                comment = op == Opcode.CHECKTYPE ? String.valueOf(p.kRef[c(i)]) : "";
            }
            case ALIST -> operands = "r" + a(i) + " r" + b(i) + " " + c(i);
            case AERR -> {
                operands = "r" + a(i) + " k" + b(i) + (Instr.k(i) != 0 ? " r" + c(i) : "");
                comment = String.valueOf(p.kRef[b(i)]);
            }
            default -> operands = "";
        }
        String text = String.format("%5d  %4d  %-12s %s", pc, p.lines[pc], op.name(), operands);
        if (!comment.isEmpty()) {
            text = String.format("%-46s ; %s", text, comment);
        }
        return text.stripTrailing();
    }

    private static String kv(Proto p, int index) {
        return index < p.kTag.length ? Values.repr(p.constant(index)) : "?";
    }
}
