// lockstep/lockstep.hpp — everything of the public API in one include.
//
//   #include <lockstep/lockstep.hpp>
//   lockstep::Linear model(1, 1);
//   lockstep::SGD opt(model.parameters(), lockstep::SGDOptions(0.001));
#pragma once

#include "lockstep/autograd/functions.hpp"
#include "lockstep/autograd/grad_mode.hpp"
#include "lockstep/autograd/gradcheck.hpp"
#include "lockstep/autograd/variable.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/core/rng.hpp"
#include "lockstep/data/builtin.hpp"
#include "lockstep/data/csv.hpp"
#include "lockstep/data/dataloader.hpp"
#include "lockstep/data/dataset.hpp"
#include "lockstep/data/idx.hpp"
#include "lockstep/data/npy.hpp"
#include "lockstep/data/standardizer.hpp"
#include "lockstep/data/subset.hpp"
#include "lockstep/data/synthetic.hpp"
#include "lockstep/data/tensor_dataset.hpp"
#include "lockstep/io/safetensors.hpp"
#include "lockstep/io/state_dict.hpp"
#include "lockstep/metrics/accuracy.hpp"
#include "lockstep/metrics/confusion_matrix.hpp"
#include "lockstep/nn/init.hpp"
#include "lockstep/nn/linear.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/nn/module.hpp"
#include "lockstep/optim/adam.hpp"
#include "lockstep/optim/clip.hpp"
#include "lockstep/optim/optimizer.hpp"
#include "lockstep/optim/schedule.hpp"
#include "lockstep/optim/sgd.hpp"
#include "lockstep/tensor/random.hpp"
#include "lockstep/tensor/tensor.hpp"
