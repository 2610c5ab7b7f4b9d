package dev.egresslog.parser;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pod a container log belongs to, as the kubelet names its files on a node, and as operators
 * copy them off it (whole paths, or the directories named after the pod):
 * <ul>
 *   <li>{@code /var/log/pods/NAMESPACE_POD_UID/CONTAINER/N.log} (and rotated {@code N.log.DATE}, {@code .gz})</li>
 *   <li>{@code /var/log/containers/POD_NAMESPACE_CONTAINER-CONTAINERID.log}</li>
 * </ul>
 * Namespaces and pod names cannot hold '_', which is what makes the names unambiguous.
 *
 * @param namespace the pod's namespace
 * @param pod       the pod's name
 * @param container the container whose output the file holds (istio-proxy for a sidecar's access log)
 */
public record PodLogPath(String namespace, String pod, String container) {
    private static final String NAME = "[a-z0-9]([-a-z0-9.]*[a-z0-9])?";
    private static final Pattern PODS = Pattern.compile(
            "(?:^|/)(" + NAME + ")_(" + NAME + ")_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/([^/]+)/[0-9]+\\.log(\\.[^/]*)?$");
    private static final Pattern CONTAINERS = Pattern.compile(
            "(?:^|/)(" + NAME + ")_(" + NAME + ")_([^/]+)-[0-9a-f]{64}\\.log(\\.[^/]*)?$");

    /** The pod a log file's path names, or null when it is not laid out as a node's container logs. */
    public static PodLogPath of(String path) {
        if (path == null || path.indexOf('_') < 0) {
            return null;
        }
        String p = path.replace('\\', '/');
        Matcher m = PODS.matcher(p);
        if (m.find()) {
            return new PodLogPath(m.group(1), m.group(3), m.group(5));
        }
        m = CONTAINERS.matcher(p);
        if (m.find()) {
            return new PodLogPath(m.group(3), m.group(1), m.group(5));
        }
        return null;
    }

    /** The origin of line {@code line} of this pod's file {@code source}: wrappers inside the line still take precedence. */
    public Origin origin(String source, long line) {
        return new Origin(source, line, pod, namespace, container, -1, false);
    }
}
