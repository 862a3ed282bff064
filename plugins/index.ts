/** The built-in hooks, registered in one place. */
import { HookRegistry, type TextFilter } from '../src/engine/hooks';
import {
  autogradGrad,
  backwardOfLeaves,
  gradAttribute,
  gradAttributeEntry,
  leafAssignment,
  leafFunction,
  readerCall,
  updaterCall
} from './autograd';
import { multiheadAttention, multiheadAttentionCall, scaledDotProductAttention } from './attention';
import { batchNorm, batchNormCall } from './batch_norm';
import { identity, moduleList, sequential, sequentialCall } from './containers';
import { convCall } from './conv_layout';
import { dataLoader } from './data_loader';
import { device } from './devices';
import { dynamicCall } from './dynamic_layers';
import { div } from './div';
import { dropout, dropoutCall } from './dropout';
import { dtypeCast, host, to } from './dtype_device';
import { clipGrad } from './grad_clip';
import { gradMode, gradModeDecorator, gradModeWith } from './grad_mode';
import { inPlace } from './in_place';
import { indexedAssignment } from './indexed_assignment';
import { convConstructor, embedding, linearFunctional } from './layers_misc';
import { layerValue, listElementCalls } from './layer_references';
import { namedResult } from './linalg';
import { loss } from './losses';
import { layerClass } from './layer_classes';
import { initMethods, weightInit } from './weight_init';
import { groupNorm, groupNormCall, layerNorm } from './normalization';
import { generatorReseed, randomness } from './random_keys';
import { recurrent, recurrentCall } from './recurrent';
import { replacedLayer } from './replaced_layers';
import { fieldReference, initStatement, moduleClass, moduleMethod } from './module_class';
import { bufferRead, parameter, registration } from './module_variables';
import { optimizer } from './optimizers';
import { lrScheduler, optimizerUse, schedulerUse } from './lr_schedulers';
import { functionEnter, functionLeave, modelFunctionCall } from './model_arguments';
import { applyAssignment, modelCall, modelInit, modelMethod } from './model_apply';
import { modelAttribute, modelSubscript } from './model_attributes';
import { pad } from './pad';
import { serialization } from './serialization';
import { shadowedClass, shadowedRead } from './shadowed_fields';
import { adaptiveAvgPool, pool } from './pooling';
import { cdist, dist, maxMin } from './reductions';
import { cumulativeExtremum, nonzero, topk } from './indices';
import {
  expand,
  flatten,
  layoutQuery,
  repeat,
  size,
  splitChunk,
  squeeze,
  transpose
} from './shape_ops';
import { backwardStatement, lossItem, optimizerState, trainingStep } from './training_step';
import {
  helperMethodCall,
  submoduleCall,
  trainEvalStatement,
  trainingAttribute,
  trainingCall,
  unknownTrainEval
} from './state_flag_injection';

// Text filters: structural hooks only see nodes that could concern them.
const inInit: TextFilter = (_text, ctx) => ctx.scope.methodName === '__init__';
const modeSwitch: TextFilter = text => /\.(train|eval)\s*\(/.test(text);
const optimizerStep: TextFilter = text => /\.step\(\s*\)/.test(text);
const backward: TextFilter = text => /\.backward\(/.test(text);
const mentionsGradMode: TextFilter = text => /grad|inference_mode/.test(text);
const reseed: TextFilter = text => /\.manual_seed\(/.test(text);
const registers: TextFilter = (text, ctx) =>
  ctx.scope.methodName === '__init__' && /^self\.register_(buffer|parameter)\(/.test(text);

export function builtinHooks(): HookRegistry {
  return new HookRegistry()
    .register('batch_norm', batchNorm)
    .register('batch_norm.call', batchNormCall)
    .register('dropout', dropout)
    .register('dropout.call', dropoutCall)
    .register('training.call', trainingCall)
    .register('submodule.call', submoduleCall)
    .register('method.call', helperMethodCall)
    .register('structure:attribute/state_flag', trainingAttribute)
    .register('layer.class', layerClass)
    .register('weight_init', weightInit)
    .register('structure:attribute/buffer', bufferRead)
    .register('structure:attribute/shadowed_fields', shadowedRead)
    .register('structure:attribute/layer_value', layerValue)
    .register('conv', convConstructor)
    .register('conv.call', convCall)
    .register('embedding', embedding)
    .register('parameter', parameter)
    .register('recurrent', recurrent)
    .register('recurrent.call', recurrentCall)
    .register('scaled_dot_product_attention', scaledDotProductAttention)
    .register('multihead_attention', multiheadAttention)
    .register('multihead_attention.call', multiheadAttentionCall)
    .register('linear_functional', linearFunctional)
    .register('layer_norm', layerNorm)
    .register('group_norm', groupNorm)
    .register('group_norm.call', groupNormCall)
    .register('loss', loss)
    .register('cross_entropy', loss)
    .register('randomness', randomness)
    .register('structure:expression_statement/generator_seed', generatorReseed, reseed)
    .register('optimizer', optimizer)
    .register('optimizer.object', optimizerUse)
    .register('lr_scheduler', lrScheduler)
    .register('lr_scheduler.object', schedulerUse)
    .register('clip_grad', clipGrad)
    .register('expand', expand)
    .register('repeat', repeat)
    .register('split_chunk', splitChunk)
    .register('pool', pool)
    .register('adaptive_avg_pool', adaptiveAvgPool)
    .register('sequential', sequential)
    .register('sequential.call', sequentialCall)
    .register('layer.dynamic_call', dynamicCall)
    .register('module_list', moduleList)
    .register('identity', identity)
    .register('squeeze', squeeze)
    .register('size', size)
    .register('transpose', transpose)
    .register('flatten', flatten)
    .register('max_min', maxMin)
    .register('dist', dist)
    .register('cdist', cdist)
    .register('topk', topk)
    .register('cumulative_extremum', cumulativeExtremum)
    .register('nonzero', nonzero)
    .register('named_result', namedResult)
    .register('layout_query', layoutQuery)
    .register('autograd.grad', autogradGrad)
    .register('autograd.attribute', gradAttributeEntry)
    .register('structure:attribute/autograd', gradAttribute)
    .register('structure:assignment/autograd_leaf', leafAssignment)
    .register('autograd.reader_call', readerCall)
    .register('autograd.updater_call', updaterCall)
    .register('dtype_cast', dtypeCast)
    .register('to', to)
    .register('item', host)
    .register('in_place', inPlace)
    .register('pad', pad)
    .register('div', div)
    .register('device', device)
    .register('data_loader', dataLoader)
    .register('serialization', serialization)
    .register('grad_mode', gradMode)
    .register('structure:with_statement/grad_mode', gradModeWith, mentionsGradMode)
    .register('structure:decorator/grad_mode', gradModeDecorator, mentionsGradMode)
    .register('structure:assignment/indexed', indexedAssignment)
    .register('structure:augmented_assignment/indexed', indexedAssignment)
    .register('scalar.item', lossItem)
    .register('function.enter', functionEnter)
    .register('model_function.call', modelFunctionCall)
    .register('structure:function_definition/model_arguments', functionLeave)
    .register('structure:function_definition/autograd', leafFunction)
    .register('model.call', modelCall)
    .register('model.method', modelMethod)
    .register('model.attribute', modelAttribute)
    .register('structure:subscript/model_attributes', modelSubscript)
    .register('structure:assignment/model_init', modelInit)
    .register('structure:assignment/optimizer', optimizerState)
    .register('structure:assignment/model_apply', applyAssignment)
    .register('structure:expression_statement/training_step', trainingStep, optimizerStep)
    .register('structure:expression_statement/autograd', backwardOfLeaves, backward)
    .register('structure:expression_statement/backward', backwardStatement, backward)
    .register('structure:class_definition/module_class', moduleClass)
    .register('structure:class_definition/shadowed_fields', shadowedClass)
    .register('structure:function_definition/weight_init', initMethods)
    .register('structure:function_definition/module_class', moduleMethod)
    .register('structure:function_definition/layer_references', listElementCalls)
    .register('structure:expression_statement/module_class', initStatement, inInit)
    .register('structure:expression_statement/replaced_layers', replacedLayer, inInit)
    .register('structure:expression_statement/registration', registration, registers)
    .register('structure:expression_statement/train_eval', trainEvalStatement, modeSwitch)
    .register('structure:expression_statement/train_eval_unknown', unknownTrainEval, modeSwitch)
    .register('structure:identifier/module_class', fieldReference);
}
