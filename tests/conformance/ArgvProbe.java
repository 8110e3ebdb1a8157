// Parses command lines with the real signal-cli's own argparse4j parsers and reports what they hold.
//
// Input on stdin: one command line per line, each argument base64-encoded (UTF-8), separated by a
// space; the line "#spec" asks for the options of every command instead. Output on stdout: one
// JSON object per input line:
//   {"set": {dest: value, ...}, "command": "send", "logging": {...}}   parsed; "set" holds every
//       argument whose value differs from its default (what the command line asked for)
//   {"error": "...", "logging": {...}}                                  refused by the parser
// "logging" is what signal-cli's logging pre-parser (Main.parseArgs, which sees the same argv
// first) read. signal-cli's classes are Java 21 bytecode, so they are reached by reflection
// only; argparse4j's are Java 8 and compiled against.
//
// The service also uses commands and options that came after 0.13.19 (polls, pins, two receive
// options). They are added to the same argparse4j parser as signal-cli 0.14 declares them and
// listed under "added" in the spec, so their command lines are read by argparse4j too.
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.ArgumentParserException;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import net.sourceforge.argparse4j.inf.Subparsers;
import net.sourceforge.argparse4j.internal.ArgumentImpl;
import net.sourceforge.argparse4j.internal.ArgumentParserImpl;

public final class ArgvProbe {
    public static void main(String[] args) throws Exception {
        Writer out = new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8);
        // Help and usage texts go to System.out; keep them off the answer channel.
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, "UTF-8"));
        Method build = Class.forName("org.asamk.signal.App").getDeclaredMethod("buildArgumentParser");
        build.setAccessible(true);
        Method preParse = Class.forName("org.asamk.signal.Main").getDeclaredMethod("parseArgs", String[].class);
        preParse.setAccessible(true);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        // One parser reads every line: argparse4j keeps no state between parses (each parse
        // starts from a fresh ParseState and result map), and building one takes milliseconds.
        ArgumentParserImpl parser = (ArgumentParserImpl) build.invoke(null);
        addNewer(parser);
        String line;
        while ((line = in.readLine()) != null) {
            StringBuilder answer = new StringBuilder();
            if (line.equals("#spec")) {
                json(answer, spec(parser));
                out.write(answer.append('\n').toString());
                out.flush();
                continue;
            }
            String[] argv = decode(line);
            answer.append('{');
            try {
                Namespace ns = parser.parseArgs(argv);
                Map<String, Object> attrs = ns.getAttrs();
                String command = ns.getString("command");
                Map<String, Object> set = new TreeMap<>();
                List<ArgumentImpl> arguments = arguments(parser);
                if (command != null) {
                    arguments.addAll(arguments(subparser(parser, command)));
                }
                for (ArgumentImpl argument : arguments) {
                    Object value = attrs.get(argument.getDest());
                    if (!Objects.equals(value, argument.getDefault())) {
                        set.put(argument.getDest(), value);
                    }
                }
                answer.append("\"command\":");
                json(answer, command);
                answer.append(",\"set\":");
                json(answer, set);
            } catch (ArgumentParserException e) {
                answer.append("\"error\":");
                json(answer, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            answer.append(",\"logging\":");
            try {
                Namespace logging = (Namespace) preParse.invoke(null, (Object) argv);
                json(answer, logging == null ? null : logging.getAttrs());
            } catch (InvocationTargetException e) {
                json(answer, "exception: " + e.getCause());
            }
            answer.append("}\n");
            out.write(answer.toString());
            out.flush();
        }
    }

    static final List<String> ADDED = List.of("sendPollCreate", "sendPollVote", "sendPollTerminate",
            "sendPinMessage", "sendUnpinMessage", "receive --ignore-avatars", "receive --ignore-stickers");

    /** What came after 0.13.19, as signal-cli 0.14 declares it (see ADDED). */
    private static void addNewer(ArgumentParserImpl parser) throws ReflectiveOperationException {
        Subparsers subparsers = parser.addSubparsers();
        Subparser create = withRecipients(subparsers.addParser("sendPollCreate"));
        create.addArgument("-q", "--question").required(true);
        create.addArgument("--no-multi").action(Arguments.storeTrue());
        create.addArgument("-o", "--option").nargs("+").required(true);
        Subparser vote = withRecipients(subparsers.addParser("sendPollVote"));
        vote.addArgument("--poll-author");
        vote.addArgument("--poll-timestamp").type(long.class).required(true);
        vote.addArgument("-o", "--option").type(int.class).nargs("*");
        vote.addArgument("--vote-count").type(int.class).required(true);
        Subparser terminate = withRecipients(subparsers.addParser("sendPollTerminate"));
        terminate.addArgument("--poll-timestamp").type(long.class).required(true);
        for (String name : List.of("sendPinMessage", "sendUnpinMessage")) {
            Subparser pin = withRecipients(subparsers.addParser(name));
            if (name.equals("sendPinMessage")) {
                pin.addArgument("-d", "--pin-duration").type(int.class);
            }
            pin.addArgument("-a", "--target-author").required(true);
            pin.addArgument("-t", "--target-timestamp").type(long.class).required(true);
            pin.addArgument("--story").action(Arguments.storeTrue());
        }
        ArgumentParserImpl receive = subparser(parser, "receive");
        receive.addArgument("--ignore-avatars").action(Arguments.storeTrue());
        receive.addArgument("--ignore-stickers").action(Arguments.storeTrue());
    }

    private static Subparser withRecipients(Subparser command) {
        command.addArgument("recipient").nargs("*");
        command.addArgument("-g", "--group-id", "--group").nargs("*");
        command.addArgument("-u", "--username").nargs("*");
        command.addArgument("--note-to-self").action(Arguments.storeTrue());
        command.addArgument("--notify-self").action(Arguments.storeTrue());
        return command;
    }

    /** The options of the global parser ("") and of every command. */
    private static Map<String, Object> spec(ArgumentParserImpl parser) throws ReflectiveOperationException {
        Map<String, Object> commands = new TreeMap<>();
        commands.put("", describe(arguments(parser)));
        commands.put("added", ADDED);
        Object subparsers = read(parser, "subparsers_");
        for (Object name : ((Map<?, ?>) read(subparsers, "parsers_")).keySet()) {
            commands.put((String) name, describe(arguments(subparser(parser, (String) name))));
        }
        return commands;
    }

    private static List<Object> describe(List<ArgumentImpl> arguments) throws ReflectiveOperationException {
        List<Object> described = new ArrayList<>();
        for (ArgumentImpl argument : arguments) {
            Map<String, Object> entry = new LinkedHashMap<>();
            String[] flags = (String[]) read(argument, "flags_");
            entry.put("flags", flags == null ? List.of() : Arrays.asList(flags));
            entry.put("dest", argument.getDest());
            entry.put("takes_value", argument.getAction().consumeArgument());
            entry.put("min", read(argument, "minNumArg_"));
            entry.put("max", read(argument, "maxNumArg_"));
            entry.put("default", argument.getDefault());
            entry.put("required", read(argument, "required_"));
            described.add(entry);
        }
        return described;
    }

    private static ArgumentParserImpl subparser(ArgumentParserImpl parser, String command)
            throws ReflectiveOperationException {
        Object subparsers = read(parser, "subparsers_");
        Object sub = ((Map<?, ?>) read(subparsers, "parsers_")).get(command);
        return (ArgumentParserImpl) read(sub, "parser_");
    }

    @SuppressWarnings("unchecked")
    private static List<ArgumentImpl> arguments(ArgumentParserImpl parser) throws ReflectiveOperationException {
        List<ArgumentImpl> all = new ArrayList<>((List<ArgumentImpl>) read(parser, "namedArgs_"));
        all.addAll((List<ArgumentImpl>) read(parser, "posArgs_"));
        return all;
    }

    private static Object read(Object target, String field) throws ReflectiveOperationException {
        Field f = target.getClass().getDeclaredField(field);
        f.setAccessible(true);
        return f.get(target);
    }

    private static String[] decode(String line) {
        if (line.isEmpty()) {
            return new String[0];
        }
        String[] parts = line.split(" ", -1);
        String[] argv = new String[parts.length];
        for (int i = 0; i < parts.length; i++) {
            argv[i] = new String(Base64.getDecoder().decode(parts[i]), StandardCharsets.UTF_8);
        }
        return argv;
    }

    private static void json(StringBuilder sb, Object value) {
        if (value == null) {
            sb.append("null");
        } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long) {
            sb.append(value);
        } else if (value instanceof Map<?, ?> map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : new TreeMap<>(map).entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                json(sb, String.valueOf(entry.getKey()));
                sb.append(':');
                json(sb, entry.getValue());
            }
            sb.append('}');
        } else if (value instanceof List<?> list) {
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                json(sb, list.get(i));
            }
            sb.append(']');
        } else if (value instanceof String text) {
            sb.append('"');
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '"' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c < 0x20 || c > 0x7e) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
            sb.append('"');
        } else if (value instanceof Double || value instanceof Float) {
            double number = ((Number) value).doubleValue();
            sb.append(Double.isFinite(number) ? String.valueOf(number) : "null");
        } else {
            // Files, enums: their text.
            json(sb, String.valueOf(value));
        }
    }
}
