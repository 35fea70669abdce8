#ifndef SLUICE_CRDKAFKA_SHIM_H
#define SLUICE_CRDKAFKA_SHIM_H
// The include path comes from pkg-config (rdkafka.pc), never hard-coded here. rdkafka_mock.h is
// librdkafka's own in-process Kafka cluster, used by the test helper (SluiceKafkaMock).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif
