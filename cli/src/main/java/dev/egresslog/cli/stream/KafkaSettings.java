package dev.egresslog.cli.stream;

import dev.egresslog.cli.ExitCodes;
import dev.egresslog.cli.UserException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The consumer's configuration, as Kafka's console consumer builds it: the config file, then
 * --consumer-property pairs, then what egresslog needs. TLS and SASL settings come from the
 * file and are never printed: messages that could quote them are redacted.
 */
public final class KafkaSettings {
    private final Properties properties = new Properties();

    public KafkaSettings(String bootstrap, String group, Path configFile, List<String> pairs, boolean fromBeginning) {
        if (configFile != null) {
            try (Reader in = Files.newBufferedReader(configFile)) {
                properties.load(in);
            } catch (IOException e) {
                throw new UserException("cannot read consumer config " + configFile + ": " + e.getMessage());
            }
        }
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new UserException("expected --consumer-property KEY=VALUE, found '" + redact(pair) + "'");
            }
            properties.setProperty(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
        }
        properties.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.setProperty(ConsumerConfig.GROUP_ID_CONFIG, group);
        properties.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "egresslog");
        properties.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        properties.setProperty(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.setProperty(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20000");
        // a backlog in fewer round trips: 1 MB a partition (the default) is ~4 k lines; measured
        // on a 295 k-record backlog, 8 MB took the stream from 8.6 to 7.5 s (polls 1.8 -> 0.7 s)
        properties.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(8 << 20));
        // a restarted instance gets the partitions of its killed predecessor in seconds, not 45
        properties.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
        // partition N of every topic goes to the same instance: see README, "Several instances"
        properties.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
    }

    public Properties consumer() {
        Properties copy = new Properties();
        copy.putAll(properties);
        return copy;
    }

    /** The settings an admin client accepts: the connection and security ones. */
    Properties admin(long timeoutMs) {
        Properties admin = new Properties();
        for (String key : properties.stringPropertyNames()) {
            if (key.startsWith("ssl.") || key.startsWith("sasl.") || key.equals("security.protocol")
                    || key.equals(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG) || key.equals("client.dns.lookup")) {
                admin.setProperty(key, properties.getProperty(key));
            }
        }
        admin.setProperty("request.timeout.ms", Long.toString(Math.min(timeoutMs, 30_000)));
        admin.setProperty("default.api.timeout.ms", Long.toString(timeoutMs));
        return admin;
    }

    /**
     * Checks that the broker answers and every topic exists: one clear line otherwise, before the
     * consumer (which would wait silently) starts. Returns the partition count of each topic.
     */
    public List<Integer> check(List<String> topics, long timeoutMs) {
        String bootstrap = properties.getProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
        try (Admin admin = Admin.create(admin(timeoutMs))) {
            var described = admin.describeTopics(topics).allTopicNames().get(timeoutMs, TimeUnit.MILLISECONDS);
            List<Integer> partitions = new ArrayList<>();
            for (String topic : topics) {
                partitions.add(described.get(topic).partitions().size());
            }
            return partitions;
        } catch (TimeoutException e) {
            throw new UserException("cannot reach Kafka at " + bootstrap + " (no answer in " + timeoutMs / 1000 + " s)",
                    ExitCodes.FAILURE);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UnknownTopicOrPartitionException) {
                throw new UserException("no such topic on " + bootstrap + ": " + String.join(", ", topics)
                        + " (" + redact(cause.getMessage()) + ")");
            }
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw new UserException("cannot reach Kafka at " + bootstrap + " (no answer in " + timeoutMs / 1000 + " s)",
                        ExitCodes.FAILURE);
            }
            throw new UserException("Kafka at " + bootstrap + ": " + redact(String.valueOf(cause.getMessage())), ExitCodes.FAILURE);
        } catch (KafkaException e) {
            throw new UserException("bad consumer configuration: " + redact(rootMessage(e)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserException("interrupted", ExitCodes.FAILURE);
        }
    }

    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? e.getMessage() : t.getMessage();
    }

    /** The message with the value of every secret-looking setting replaced. */
    public String redact(String message) {
        String out = message == null ? "" : message;
        for (String key : properties.stringPropertyNames()) {
            String k = key.toLowerCase();
            String value = properties.getProperty(key);
            if ((k.contains("password") || k.contains("jaas") || k.contains("secret") || k.contains("token") || k.contains("key"))
                    && value != null && value.length() >= 3 && !k.contains("deserializer")) {
                out = out.replace(value, "[hidden]");
            }
        }
        return out;
    }
}
