// Reads "KIND BASE64" lines and prints what signal-cli 0.13.19's own classes make of each value:
// "OK <base64 result>" or "ERR <base64 message>". Reflection only, so that it compiles without
// signal-cli's jars (built for Java 21) and runs with them on the classpath.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

public class TextsProbe {
    private static final String LOCAL_NUMBER = "+4915100000001";

    public static void main(String[] args) throws Exception {
        Class<?> commandUtil = Class.forName("org.asamk.signal.util.CommandUtil");
        Method groupId = commandUtil.getMethod("getGroupId", String.class);
        Method recipient = commandUtil.getMethod("getSingleRecipientIdentifier", String.class, String.class);
        Method formatNumber = Class.forName("org.asamk.signal.manager.util.PhoneNumberFormatter")
                .getMethod("formatNumber", String.class, String.class);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] parts = line.split(" ", -1);
            String value = new String(Base64.getDecoder().decode(parts[1]), StandardCharsets.UTF_8);
            String answer;
            try {
                Object result = switch (parts[0]) {
                    case "group" -> {
                        Object id = groupId.invoke(null, value);
                        yield id.getClass().getMethod("toBase64").invoke(id);
                    }
                    case "recipient" -> recipient.invoke(null, value, LOCAL_NUMBER);
                    case "number" -> formatNumber.invoke(null, value, LOCAL_NUMBER);
                    default -> throw new IllegalArgumentException("unknown kind " + parts[0]);
                };
                answer = "OK " + encode(String.valueOf(result));
            } catch (InvocationTargetException e) {
                answer = "ERR " + encode(e.getCause().getMessage());
            }
            System.out.println(answer);
        }
    }

    private static String encode(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
