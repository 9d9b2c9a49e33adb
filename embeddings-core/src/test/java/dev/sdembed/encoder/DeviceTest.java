package dev.sdembed.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import org.junit.jupiter.api.Test;

class DeviceTest {

    @Test
    void cpuIsPartitionZeroAndKeepsItsName() {
        assertThat(Device.parse("cpu")).isEqualTo(Device.CPU).isEqualTo(Device.parse("CPU:0"))
                .isEqualTo(Device.cpu(0));
        assertThat(Device.CPU).hasToString("cpu");
        assertThat(Device.parse(" cpu:2 ")).isEqualTo(Device.cpu(2)).hasToString("cpu:2");
        assertThat(Device.parse("cpu:1").isGpu()).isFalse();
        assertThat(Device.parse("gpu")).isEqualTo(Device.cuda(0)).hasToString("cuda:0");
        assertThat(Device.parse("trt:1")).hasToString("tensorrt:1");
    }

    @Test
    void rejectsBadDevicesNamingThem() {
        assertThatThrownBy(() -> Device.parse("cpu:x")).isInstanceOf(InvalidInputException.class)
                .hasMessage("Device 'cpu:x' has no valid index after ':'");
        assertThatThrownBy(() -> Device.parse("cpu:-1")).isInstanceOf(InvalidInputException.class)
                .hasMessage("Device index is -1; expected at least 0");
        assertThatThrownBy(() -> Device.parse("")).isInstanceOf(InvalidInputException.class)
                .hasMessage("Device is empty; expected cpu, cpu:N, cuda:N or tensorrt:N");
    }

    @Test
    void cpuPartitionsSplitTheCoresEvenlyAndNeverToZero() {
        assertThat(Device.CPU.cpuShare(8, 1)).isEqualTo(8);
        assertThat(Device.cpu(0).cpuShare(8, 2)).isEqualTo(4);
        assertThat(Device.cpu(1).cpuShare(8, 2)).isEqualTo(4);
        assertThat(Device.cpu(0).cpuShare(8, 3)).isEqualTo(3);
        assertThat(Device.cpu(1).cpuShare(8, 3)).isEqualTo(3);
        assertThat(Device.cpu(2).cpuShare(8, 3)).isEqualTo(2);
        assertThat(Device.cpu(3).cpuShare(2, 4)).as("more partitions than cores").isEqualTo(1);
        assertThatThrownBy(() -> Device.cpu(2).cpuShare(8, 2)).isInstanceOf(InvalidInputException.class)
                .hasMessage("Device cpu:2 is outside the 2 CPU partition(s) cpu:0 to cpu:1");
        assertThatThrownBy(() -> Device.cuda(0).cpuShare(8, 2)).isInstanceOf(InvalidInputException.class)
                .hasMessage("Device cuda:0 is not a CPU partition");
    }

    @Test
    void anEncoderThatDoesNotSayRunsOnTheCpu() {
        Encoder plain = new Encoder() {
            @Override
            public EncoderInfo info() {
                return new EncoderInfo("plain", Modality.TEXT, 4, 16, 0, "f");
            }

            @Override
            public void close() {
            }
        };
        assertThat(plain.device()).isEqualTo(Device.CPU);
    }
}
