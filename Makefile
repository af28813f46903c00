# SPDX-License-Identifier: GPL-2.0
#
# vmlab - a virtual-memory laboratory on real page tables.
#
#   make deps      install build and test dependencies (Debian 12, root)
#   make           build vmlab.ko, the vmlab tool and the selftests
#   make check     deps + build + checkpatch + the whole suite in the test VM
#   make demo      boot the test VM and run a paging experiment
#
# KVER selects the kernel (default: newest installed with headers); KDIR
# overrides its build tree.

SHELL	:= /bin/bash
KVER	?= $(shell . ./scripts/kver.sh && vmlab_kver)
KDIR	?= /lib/modules/$(KVER)/build
B	:= build
SRC	:= $(B)/src

CC	?= gcc
CFLAGS	?= -O2 -g
CFLAGS	+= -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE
CPPFLAGS += -Iinclude/uapi -Iuserspace

TOOL_SRCS	:= $(wildcard userspace/*.c)
TOOL_HDRS	:= $(wildcard userspace/*.h) include/uapi/linux/vmlab.h
TEST_SRCS	:= $(wildcard selftests/*_test.c)
TEST_PROGS	:= $(patsubst selftests/%.c,$(B)/selftests/%,$(TEST_SRCS))
TEST_HDRS	:= $(wildcard selftests/*.h) include/uapi/linux/vmlab.h

.PHONY: all module tool selftests deps check demo checkpatch clean help

all: module tool selftests

help:
	@sed -n 's/^#   //p' Makefile

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tool: $(B)/vmlab

$(B)/vmlab: $(TOOL_SRCS) $(TOOL_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $(TOOL_SRCS) -lm

selftests: $(TEST_PROGS)

$(B)/selftests/%: selftests/%.c $(TEST_HDRS) $(SRC)/.stamp
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -I$(SRC)/tools/testing/selftests $(CFLAGS) -o $@ \
		$(filter %.c,$^) -lpthread -lm

# tests that compare the kernel with the reference simulator link it in
$(B)/selftests/evict_test: userspace/sim.c userspace/sim.h

$(SRC)/.stamp:
	./scripts/deps

deps:
	./scripts/deps

checkpatch: $(SRC)/.stamp
	perl $(SRC)/scripts/checkpatch.pl --no-tree --strict --terse \
		--show-types \
		-f $(filter-out %.mod.c,$(wildcard module/*.[ch]))

check:
	./scripts/check

demo:
	./scripts/demo

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(B)
