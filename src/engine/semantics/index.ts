/** Every knowledge-base file, imported statically so bundlers include them. */
import type { KnowledgeFile } from '../knowledge';
import activations from './activations.json';
import creation from './creation.json';
import data from './data.json';
import devices_and_grad from './devices_and_grad.json';
import dtypes from './dtypes.json';
import elementwise from './elementwise.json';
import functional from './functional.json';
import indexing from './indexing.json';
import init from './init.json';
import inplace from './inplace.json';
import layers from './layers.json';
import linalg from './linalg.json';
import losses from './losses.json';
import optim from './optim.json';
import random from './random.json';
import reductions from './reductions.json';
import shape from './shape.json';
import tensor_methods from './tensor_methods.json';

export const KNOWLEDGE_FILES: Record<string, KnowledgeFile> = {
  'activations.json': activations as KnowledgeFile,
  'creation.json': creation as KnowledgeFile,
  'data.json': data as KnowledgeFile,
  'devices_and_grad.json': devices_and_grad as KnowledgeFile,
  'dtypes.json': dtypes as KnowledgeFile,
  'elementwise.json': elementwise as KnowledgeFile,
  'functional.json': functional as KnowledgeFile,
  'indexing.json': indexing as KnowledgeFile,
  'init.json': init as KnowledgeFile,
  'inplace.json': inplace as KnowledgeFile,
  'layers.json': layers as KnowledgeFile,
  'linalg.json': linalg as KnowledgeFile,
  'losses.json': losses as KnowledgeFile,
  'optim.json': optim as KnowledgeFile,
  'random.json': random as KnowledgeFile,
  'reductions.json': reductions as KnowledgeFile,
  'shape.json': shape as KnowledgeFile,
  'tensor_methods.json': tensor_methods as KnowledgeFile
};
