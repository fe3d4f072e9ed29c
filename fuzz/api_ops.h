/*
 * api_ops.h - the opcodes of the api_ops fuzz target, shared with the seed
 * generator (fuzz/gen/gen_corpus.c). An input is a sequence of operations,
 * each an opcode byte (modulo OP__COUNT) followed by its arguments, read as
 * api_ops.c reads them. Only ever append to this list: the seeds depend on
 * the numbers.
 */
#ifndef OFFLOG_FUZZ_API_OPS_H
#define OFFLOG_FUZZ_API_OPS_H

enum api_op {
	OP_TOPIC_CREATE,
	OP_APPEND,
	OP_APPEND_BATCH,
	OP_FETCH,
	OP_TOUCH_BATCH,
	OP_CONSUMER_OPEN,
	OP_CONSUMER_CLOSE,
	OP_ASSIGN,
	OP_SUBSCRIBE,
	OP_POLL,
	OP_RELEASE,
	OP_TOUCH_POLLED,
	OP_SEEK,
	OP_CONSUMER_QUERY,
	OP_PAUSE,
	OP_COMMIT,
	OP_TXN,
	OP_OFFSETS_FOR_TIMES,
	OP_DELETE_RECORDS,
	OP_MAINTAIN,
	OP_TOPIC_ALTER,
	OP_TOPIC_INFO,
	OP_TOPIC_MISC,
	OP_GROUP,
	OP_PRODUCER,
	OP_MISC,
	OP__COUNT
};

#endif
